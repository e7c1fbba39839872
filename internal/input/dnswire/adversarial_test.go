package dnswire

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dnsvigil/dnsvigil/internal/dnsname"
	"github.com/dnsvigil/dnsvigil/internal/event"
)

// TestAdversarialLabels feeds names whose labels hold bytes that are special
// in presentation format. The canonical name must keep every label boundary:
// a label "attacker.example" followed by "test" is two labels and must not
// read as the three-label name attacker.example.test.
func TestAdversarialLabels(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		want   string
		status Status
	}{
		{"dot inside a label", []string{"attacker.example", "test"}, `attacker\.example.test`, StatusFallback},
		{"nul byte", []string{"a\x00b", "test"}, `a\000b.test`, StatusFast},
		{"space", []string{"a b", "test"}, `a\ b.test`, StatusFast},
		{"uppercase", []string{"WwW", "EXAMPLE", "Test"}, "www.example.test", StatusFast},
		{"backslash and quote", []string{`a\b"c`, "test"}, `a\\b\"c.test`, StatusFast},
		{"high byte", []string{"caf\xe9", "test"}, `caf\233.test`, StatusFast},
		{"dot and nul together", []string{"x.\x00", "Y"}, `x\.\000.y`, StatusFallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			var d event.DNS
			st, err := p.Parse(rawMessage(1, 0x0100, rawLabels(tc.labels...), 1), &d)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := []any{d.QName, st}
			if diff := cmp.Diff([]any{tc.want, tc.status}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAdversarialRecords checks that a dotted label inside a record (owner
// name or CNAME target) sends the whole response to the fallback path and
// still yields every record with its boundaries kept.
func TestAdversarialRecords(t *testing.T) {
	qname := rawLabels("www", "example", "test")
	evil := rawLabels("evil.label", "example", "test")
	msg := rawMessage(9, 0x8180, qname, 1,
		rawRR(qname, 5, 30, evil),
		rawRR(evil, 1, 30, []byte{192, 0, 2, 7}),
		rawRR(evil, 16, 30, []byte("\x05a.b\"c")),
	)
	var p Parser
	var d event.DNS
	st, err := p.Parse(msg, &d)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []event.RR{
		{Name: "www.example.test", Type: 5, Class: 1, TTL: 30, Data: `evil\.label.example.test`},
		{Name: `evil\.label.example.test`, Type: 1, Class: 1, TTL: 30, Data: "192.0.2.7"},
		{Name: `evil\.label.example.test`, Type: 16, Class: 1, TTL: 30, Data: `"a.b\"c"`},
	}
	if st != StatusFallback {
		t.Errorf("status = %v, want fallback", st)
	}
	if diff := cmp.Diff(want, d.Answers); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
}

// TestTXTAfterCompressedNames checks that TXT data is read from the right
// place when it follows records with compressed and uncompressed names.
func TestTXTAfterCompressedNames(t *testing.T) {
	qname := rawLabels("t", "test")
	ptr := []byte{0xc0, 12}
	msg := rawMessage(3, 0x8180, qname, 16,
		rawRR(ptr, 1, 1, []byte{10, 0, 0, 1}),
		rawRR(ptr, 16, 2, []byte("\x03one\x03two")),
		rawRR(rawLabels("other", "test"), 16, 3, []byte("\x00")),
		rawRR(ptr, 16, 4, []byte("\x05three")),
	)
	var p Parser
	var d event.DNS
	st, err := p.Parse(msg, &d)
	if err != nil || st != StatusFast {
		t.Fatalf("Parse = %v, %v; want the fast path", st, err)
	}
	var got []string
	for _, rr := range d.Answers {
		got = append(got, rr.Name+" "+rr.Data)
	}
	want := []string{"t.test 10.0.0.1", `t.test "one" "two"`, `other.test ""`, `t.test "three"`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestAppendDottedMatchesDnsname checks the shortcut in appendDotted against
// dnsname.AppendDotted for every byte value, inside a label and as a whole
// label, so the plainName table can never drift from the canonical form.
func TestAppendDottedMatchesDnsname(t *testing.T) {
	for c := range 256 {
		for _, name := range [][]byte{{'a', byte(c), 'Z', '.', 'x', '.'}, {byte(c), '.'}} {
			want := dnsname.AppendDotted([]byte("prefix"), name)
			got := appendDotted([]byte("prefix"), name)
			if string(got) != string(want) {
				t.Errorf("byte %#x in %q: got %q, want %q", c, name, got, want)
			}
		}
	}
}
