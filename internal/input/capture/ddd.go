package capture

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// maxInstructions is the kernel's limit on a classic BPF program
// (BPF_MAXINSNS).
const maxInstructions = 4096

// Classic BPF instruction classes and jump operations checked by
// ParseProgram.
const (
	classMask = 0x07
	classJump = 0x05
	classRet  = 0x06
	opMask    = 0xf0
	opJumpAlw = 0x00
)

// ParseProgram reads a classic BPF program in the text form that
// `tcpdump -ddd` prints: the number of instructions on the first line, then
// one instruction a line as four decimal numbers "code jt jf k". Commas may
// separate the count and the instructions instead of line breaks (the
// one-line form iptables' bpf match takes). Blank lines and surrounding
// spaces are ignored.
//
// The program is checked as far as it can be without the kernel: the count
// matches, every number fits its field, every opcode is a classic BPF
// instruction, no jump leaves the program and the last instruction returns.
// Errors give the line (and, on a line holding several, the item).
func ParseProgram(text string) ([]bpf.RawInstruction, error) {
	items := splitItems(text)
	if len(items) == 0 {
		return nil, errors.New("empty filter program")
	}
	n, err := strconv.ParseUint(items[0].text, 10, 16)
	if err != nil || n == 0 || n > maxInstructions {
		return nil, fmt.Errorf("%s: want the instruction count (1 to %d), got %q", items[0].loc(), maxInstructions, items[0].text)
	}
	if got := len(items) - 1; got != int(n) {
		return nil, fmt.Errorf("%s: the program announces %d instructions, %d follow", items[0].loc(), n, got)
	}
	prog := make([]bpf.RawInstruction, n)
	for i, it := range items[1:] {
		if prog[i], err = parseInstruction(it.text); err != nil {
			return nil, fmt.Errorf("%s: %w", it.loc(), err)
		}
		if err := checkInstruction(prog[i], i, len(prog)); err != nil {
			return nil, fmt.Errorf("%s: %w", it.loc(), err)
		}
	}
	if last := prog[len(prog)-1]; last.Op&classMask != classRet {
		return nil, fmt.Errorf("%s: the program must end with a return, got opcode %d", items[len(items)-1].loc(), last.Op)
	}
	return prog, nil
}

// item is one comma- or line-separated piece of the text and where it is.
type item struct {
	text      string
	line, nth int  // 1-based line; 1-based item within the line
	shared    bool // the line holds several items
}

func (it item) loc() string {
	if it.shared {
		return fmt.Sprintf("line %d, item %d", it.line, it.nth)
	}
	return fmt.Sprintf("line %d", it.line)
}

// splitItems splits text on line breaks and commas, dropping empty pieces.
func splitItems(text string) []item {
	var items []item
	for i, line := range strings.Split(text, "\n") {
		parts := strings.Split(line, ",")
		first := len(items)
		for j, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				items = append(items, item{text: p, line: i + 1, nth: j + 1})
			}
		}
		if len(items)-first > 1 {
			for k := first; k < len(items); k++ {
				items[k].shared = true
			}
		}
	}
	return items
}

// parseInstruction reads "code jt jf k".
func parseInstruction(s string) (bpf.RawInstruction, error) {
	f := strings.Fields(s)
	if len(f) != 4 {
		return bpf.RawInstruction{}, fmt.Errorf("want 4 numbers (code jt jf k), got %d in %q", len(f), s)
	}
	fields := [4]struct {
		name string
		bits int
	}{{"code", 16}, {"jt", 8}, {"jf", 8}, {"k", 32}}
	var v [4]uint64
	for i, fd := range fields {
		var err error
		if v[i], err = strconv.ParseUint(f[i], 10, fd.bits); err != nil {
			return bpf.RawInstruction{}, fmt.Errorf("%s %q is not a number from 0 to %d", fd.name, f[i], uint64(1)<<fd.bits-1)
		}
	}
	return bpf.RawInstruction{Op: uint16(v[0]), Jt: uint8(v[1]), Jf: uint8(v[2]), K: uint32(v[3])}, nil
}

// checkInstruction checks the opcode of instruction i of an n-instruction
// program and that its jumps stay inside the program.
func checkInstruction(ri bpf.RawInstruction, i, n int) error {
	if _, unknown := ri.Disassemble().(bpf.RawInstruction); unknown {
		return fmt.Errorf("opcode %d is not a classic BPF instruction", ri.Op)
	}
	if ri.Op&classMask != classJump {
		return nil
	}
	left := uint64(n - i - 1) // instructions after this one
	if ri.Op&opMask == opJumpAlw {
		if uint64(ri.K) >= left {
			return fmt.Errorf("jump by %d leaves the program", ri.K)
		}
		return nil
	}
	if uint64(ri.Jt) >= left || uint64(ri.Jf) >= left {
		return fmt.Errorf("jump by %d or %d leaves the program", ri.Jt, ri.Jf)
	}
	return nil
}

// FormatProgram writes prog in the `tcpdump -ddd` form ParseProgram reads,
// for instance to start a custom Filter from the built one.
func FormatProgram(prog []bpf.RawInstruction) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", len(prog))
	for _, ri := range prog {
		fmt.Fprintf(&b, "%d %d %d %d\n", ri.Op, ri.Jt, ri.Jf, ri.K)
	}
	return b.String()
}
