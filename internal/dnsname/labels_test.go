package dnsname

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLabels(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		labels []string // right to left
	}{
		{"root", ".", nil},
		{"empty", "", nil},
		{"single label", "localhost", []string{"localhost"}},
		{"three labels", "www.example.com", []string{"com", "example", "www"}},
		{"escaped dot stays inside a label", `a\.b.example`, []string{"example", `a\.b`}},
		{"escaped dot at the end of a label", `a\..b`, []string{"b", `a\.`}},
		{"escaped backslash before a boundary", `a\\.b`, []string{"b", `a\\`}},
		{"escaped backslash then escaped dot", `a\\\..b`, []string{"b", `a\\\.`}},
		{"decimal escape of a dot", `a\046b.test`, []string{"test", `a\046b`}},
		{"decimal escape of NUL", `\000.x`, []string{"x", `\000`}},
		{"iodine style", "paaaaaabbbbb0.t.evil-c2.test", []string{"test", "evil-c2", "t", "paaaaaabbbbb0"}},
		{"empty labels of a non-canonical name", "a..b", []string{"b", "", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var offsets []int
			for off, label := range ReverseLabels(tt.in) {
				got = append(got, label)
				offsets = append(offsets, off)
			}
			if diff := cmp.Diff(tt.labels, got); diff != "" {
				t.Errorf("ReverseLabels(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			for i, off := range offsets {
				if tt.in[off:off+len(got[i])] != got[i] {
					t.Errorf("offset %d of label %q does not point at it", off, got[i])
				}
			}
			if n := CountLabels(tt.in); n != len(tt.labels) {
				t.Errorf("CountLabels(%q) = %d, want %d", tt.in, n, len(tt.labels))
			}
			for n := 0; n <= len(tt.labels)+1; n++ {
				got := LastLabels(tt.in, n)
				if c := CountLabels(got); c != min(n, len(tt.labels)) {
					t.Errorf("LastLabels(%q, %d) = %q with %d labels, want %d", tt.in, n, got, c, min(n, len(tt.labels)))
				}
			}
		})
	}
}

func TestLastLabels(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"two of four", "a.b.example.com", 2, "example.com"},
		{"one", "a.b.example.com", 1, "com"},
		{"all", "a.b.example.com", 4, "a.b.example.com"},
		{"more than there are", "a.b.example.com", 9, "a.b.example.com"},
		{"zero", "a.b.example.com", 0, ""},
		{"negative", "a.b.example.com", -1, ""},
		{"root", ".", 1, ""},
		{"escaped dot", `x.a\.b.test`, 2, `a\.b.test`},
		{"escaped backslash", `x.a\\.test`, 2, `a\\.test`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LastLabels(tt.in, tt.n); got != tt.want {
				t.Errorf("LastLabels(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestPrevLabelOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		end  int
	}{
		{"negative", -1},
		{"past the end", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if label, next, ok := PrevLabel("a.b", tt.end); ok {
				t.Errorf("PrevLabel(%q, %d) = %q, %d, true; want not ok", "a.b", tt.end, label, next)
			}
		})
	}
}

// FuzzLabels checks that walking, counting and slicing agree on any name
// in canonical form.
func FuzzLabels(f *testing.F) {
	for _, s := range []string{"www.example.com", `a\.b.c`, `a\\.b`, `\000.x`, ".", "", "a..b", `x\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name := Canonical(raw)
		if hasEmptyLabel(name) {
			return // not a wire name: "a..b", ".a", "a." (LastLabels of "" is ambiguous)
		}
		n := 0
		end := len(name)
		for off, label := range ReverseLabels(name) {
			n++
			if off+len(label) != end {
				t.Fatalf("%q: label %q at %d does not end at %d", name, label, off, end)
			}
			end = off - 1
		}
		if c := CountLabels(name); c != n {
			t.Fatalf("%q: CountLabels = %d, walk found %d", name, c, n)
		}
		if n > 0 && LastLabels(name, n) != name {
			t.Fatalf("%q: LastLabels(all) = %q", name, LastLabels(name, n))
		}
		for k := 1; k <= n; k++ {
			if c := CountLabels(LastLabels(name, k)); c != k {
				t.Fatalf("%q: LastLabels(%d) has %d labels", name, k, c)
			}
		}
	})
}

func BenchmarkCountLabels(b *testing.B) {
	b.ReportAllocs()
	name := `paaaaaabbbbbcccccdddd0.x\.y.t.evil-c2.test`
	for b.Loop() {
		if CountLabels(name) != 5 {
			b.Fatal("bad count")
		}
	}
}

func BenchmarkReverseLabels(b *testing.B) {
	b.ReportAllocs()
	name := "a.b.c.d.www.example.co.uk"
	for b.Loop() {
		n := 0
		for range ReverseLabels(name) {
			n++
		}
		if n != 8 {
			b.Fatal("bad walk")
		}
	}
}

// hasEmptyLabel reports whether a name that is not the root has an empty
// label, which no name read from the wire has.
func hasEmptyLabel(name string) bool {
	if isRoot(name) {
		return false
	}
	for _, label := range ReverseLabels(name) {
		if label == "" {
			return true
		}
	}
	return false
}

func TestParent(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"www.example.com", "example.com"},
		{"example.com", "com"},
		{"com", ""},
		{"", ""},
		{`a\.b.example.com`, "example.com"},
		{`a\\.example.com`, "example.com"},
		{`a\046b.example`, "example"},
	} {
		if got := Parent(tc.name); got != tc.want {
			t.Errorf("Parent(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
