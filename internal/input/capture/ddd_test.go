package capture

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// udp53 is `tcpdump -ddd udp dst port 53` on an Ethernet interface, without
// the IPv6 half: ldh [12]; jeq 0x800; ldb [23]; jeq 17; ldh [20]; jset
// 0x1fff; ldxb 4*([14]&0xf); ldh [x+16]; jeq 53; ret 262144; ret 0.
var udp53 = []bpf.RawInstruction{
	{Op: 40, K: 12}, {Op: 21, Jf: 8, K: 2048}, {Op: 48, K: 23}, {Op: 21, Jf: 6, K: 17},
	{Op: 40, K: 20}, {Op: 69, Jt: 4, K: 8191}, {Op: 177, K: 14}, {Op: 72, K: 16},
	{Op: 21, Jf: 1, K: 53}, {Op: 6, K: 262144}, {Op: 6, K: 0},
}

const udp53Text = `11
40 0 0 12
21 0 8 2048
48 0 0 23
21 0 6 17
40 0 0 20
69 4 0 8191
177 0 0 14
72 0 0 16
21 0 1 53
6 0 0 262144
6 0 0 0
`

func TestParseProgram(t *testing.T) {
	cases := []struct {
		name string
		text string
	}{
		{"tcpdump -ddd output", udp53Text},
		{"CRLF, blank lines and spaces", "\r\n  " + strings.ReplaceAll(udp53Text, "\n", " \r\n\n")},
		{"one line with commas", strings.TrimSuffix(strings.ReplaceAll(udp53Text, "\n", ","), ",")},
		{"commas and a trailing comma", strings.ReplaceAll(udp53Text, "\n", ",\n")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseProgram(c.text)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(udp53, got); diff != "" {
				t.Errorf("program (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("parsed program runs", func(t *testing.T) {
		prog, err := ParseProgram(udp53Text)
		if err != nil {
			t.Fatal(err)
		}
		q := ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53)))
		r := ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(53, 40000)))
		if run(t, prog, q) != snap || run(t, prog, r) != 0 {
			t.Error("udp dst port 53 program does not keep only the query")
		}
	})
}

func TestParseProgramErrors(t *testing.T) {
	cases := []struct {
		name string
		text string
		want string // the error's text
	}{
		{"empty", " \n\n", "empty filter program"},
		{"count not a number", "eleven\n6 0 0 0", `line 1: want the instruction count (1 to 4096), got "eleven"`},
		{"count zero", "0\n", `line 1: want the instruction count (1 to 4096), got "0"`},
		{"count too large", "5000\n6 0 0 0", `line 1: want the instruction count (1 to 4096), got "5000"`},
		{"fewer instructions than announced", "3\n6 0 0 0\n6 0 0 0\n", "line 1: the program announces 3 instructions, 2 follow"},
		{"more instructions than announced", "1\n6 0 0 0\n6 0 0 0\n", "line 1: the program announces 1 instructions, 2 follow"},
		{"three numbers", "2\n40 0 0 12\n6 0 0\n", `line 3: want 4 numbers (code jt jf k), got 3 in "6 0 0"`},
		{"jt too large", "2\n21 256 0 53\n6 0 0 0\n", `line 2: jt "256" is not a number from 0 to 255`},
		{"negative k", "1\n6 0 0 -1\n", `line 2: k "-1" is not a number from 0 to 4294967295`},
		{"hex code", "1\n0x6 0 0 0\n", `line 2: code "0x6" is not a number from 0 to 65535`},
		{"unknown opcode", "2\n255 0 0 0\n6 0 0 0\n", "line 2: opcode 255 is not a classic BPF instruction"},
		{"jump past the end", "3\n40 0 0 12\n21 1 0 2048\n6 0 0 0\n", "line 3: jump by 1 or 0 leaves the program"},
		{"ja past the end", "2\n5 0 0 1\n6 0 0 0\n", "line 2: jump by 1 leaves the program"},
		{"no return at the end", "2\n6 0 0 0\n40 0 0 12\n", "line 3: the program must end with a return, got opcode 40"},
		{"blank lines count", "2\n\n40 0 0 12\n\n6 0 0 x\n", `line 5: k "x" is not a number from 0 to 4294967295`},
		{"item on a comma line", "2,40 0 0 12,6 0 0", `line 1, item 3: want 4 numbers (code jt jf k), got 3 in "6 0 0"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseProgram(c.text)
			if err == nil {
				t.Fatal("ParseProgram succeeded")
			}
			if err.Error() != c.want {
				t.Errorf("error = %q\nwant    %q", err, c.want)
			}
		})
	}
}

// FuzzParseProgram checks that any text either fails or gives a program
// that x/net/bpf's VM accepts and runs without error.
func FuzzParseProgram(f *testing.F) {
	f.Add(udp53Text)
	if b, err := os.ReadFile("testdata/tcpdump_port53_853.ddd"); err == nil {
		f.Add(string(b))
	}
	f.Add("2,5 0 0 0,6 0 0 1")
	frame := ether(etherTypeIPv4, ipv4(protoUDP, 5, 0, false, udp(40000, 53)))
	f.Fuzz(func(t *testing.T, text string) {
		prog, err := ParseProgram(text)
		if err != nil {
			return
		}
		ins, ok := bpf.Disassemble(prog)
		if !ok {
			t.Fatalf("accepted a program that does not disassemble: %v", prog)
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			if strings.Contains(err.Error(), "extension") || strings.Contains(err.Error(), "divide by zero") {
				return // valid for the kernel, beyond the VM or checked at run time
			}
			t.Fatalf("accepted a program the VM rejects: %v", err)
		}
		_, _ = vm.Run(frame)
	})
}

// TestBuiltProgramRoundTrip prints the built program in -ddd form and
// reads it back.
func TestBuiltProgramRoundTrip(t *testing.T) {
	for _, link := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw} {
		prog, err := DNSFilter([]uint16{53, 853, 5353}, link, snap)
		if err != nil {
			t.Fatal(err)
		}
		text := FormatProgram(prog)
		back, err := ParseProgram(text)
		if err != nil {
			t.Fatalf("%s: %v\n%s", link, err, text)
		}
		if diff := cmp.Diff(prog, back); diff != "" {
			t.Errorf("%s: round trip (-built +parsed):\n%s", link, diff)
		}
	}
}
