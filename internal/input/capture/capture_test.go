package capture

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

func TestValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Interface = "eth0"
	cases := []struct {
		name   string
		change func(*Config)
		want   []string
	}{
		{"defaults with an interface", func(*Config) {}, nil},
		{"no interface", func(c *Config) { c.Interface = "" }, []string{"cap.interface: must name the interface to capture on"}},
		{"no ports", func(c *Config) { c.Ports = nil }, []string{"cap.ports: must list 1 to 64 ports, got 0"}},
		{"port 0", func(c *Config) { c.Ports = []uint16{53, 0} }, []string{"cap.ports[1]: port 0 is not valid"}},
		{"too many ports", func(c *Config) { c.Ports = portRange(1, 65) }, []string{
			"cap.ports: must list 1 to 64 ports, got 65"}},
		{"bad filter", func(c *Config) { c.Filter = "1\n6 0 0" }, []string{
			`cap.filter: line 2: want 4 numbers (code jt jf k), got 3 in "6 0 0"`}},
		{"good filter", func(c *Config) { c.Filter = "1\n6 0 0 65535\n" }, nil},
		{"snap too small", func(c *Config) { c.SnapLen = 100 }, []string{"cap.snap_len: must be between 256 and 1048576, got 100"}},
		{"block not a power of two", func(c *Config) { c.BlockKB = 96 }, []string{
			"cap.block_kb: must be a power of two from 64 to 65536, got 96",
			"cap.ring_mb: must be a multiple of block_kb (96 KiB), got 32 MiB"}},
		{"block smaller than a frame", func(c *Config) { c.BlockKB = 256 }, []string{
			"cap.block_kb: a block of 256 KiB cannot hold a frame of snap_len 262144"}},
		{"ring not a multiple of the block", func(c *Config) { c.BlockKB, c.RingMB = 4096, 2 }, []string{
			"cap.ring_mb: must be a multiple of block_kb (4096 KiB), got 2 MiB"}},
		{"ring zero", func(c *Config) { c.RingMB = 0 }, []string{"cap.ring_mb: must be between 1 and 65536, got 0"}},
		{"fanout out of range", func(c *Config) { c.FanoutGroup = 70000 }, []string{
			"cap.fanout_group: must be between 0 (off) and 65535, got 70000"}},
		{"poll timeout zero", func(c *Config) { c.PollTimeout = 0 }, []string{"cap.poll_timeout: must be between 1ms and 10s, got 0s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			cfg.Ports = append([]uint16(nil), ok.Ports...)
			c.change(&cfg)
			var got []string
			for _, err := range cfg.Validate("cap") {
				got = append(got, err.Error())
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNew(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Interface = "eth1"
	cfg.Ports = []uint16{853, 53, 5353}
	src, err := New(cfg, input.Options{DNSPorts: []uint16{1}, PairTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "capture:eth1" || src.opts.Name != "capture:eth1" {
		t.Errorf("Name = %q, decoder name %q", src.Name(), src.opts.Name)
	}
	if diff := cmp.Diff([]uint16{53, 5353}, src.opts.DNSPorts); diff != "" {
		t.Errorf("decoder ports (-want +got):\n%s", diff)
	}
	if src.opts.PairTimeout != time.Second {
		t.Errorf("PairTimeout = %v", src.opts.PairTimeout)
	}
	want := []input.Count{{Name: "packets received"}, {Name: "packets dropped by kernel"}, {Name: "ring freezes"}}
	if diff := cmp.Diff(want, src.Counts()); diff != "" {
		t.Errorf("Counts before Run (-want +got):\n%s", diff)
	}
	cfg.Interface = ""
	if _, err := New(cfg, input.Options{}); err == nil || !strings.Contains(err.Error(), "capture.interface") {
		t.Errorf("New without interface: %v", err)
	}
}

// TestKernelCountsWrap checks that the 64-bit totals go on across the
// wrap of the kernel's 32-bit counters.
func TestKernelCountsWrap(t *testing.T) {
	var k kernelCounts
	k.add(4_000_000_000, 10, 1)
	k.add(100, 20, 1) // packets wrapped past 2^32
	k.add(200, 20, 2)
	want := []input.Count{
		{Name: "packets received", Value: 1<<32 + 200},
		{Name: "packets dropped by kernel", Value: 20},
		{Name: "ring freezes", Value: 2},
	}
	if diff := cmp.Diff(want, k.append(nil)); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// TestDropOutgoing checks the loopback check put in front of a program:
// the first instructions drop PACKET_OUTGOING (a kernel extension the VM
// cannot run), and the program behind them is unchanged.
func TestDropOutgoing(t *testing.T) {
	prog, err := DNSFilter([]uint16{53}, layers.LinkTypeEthernet, snap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dropOutgoing(prog)
	if err != nil {
		t.Fatal(err)
	}
	want, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: packetOutgoing, SkipFalse: 1},
		bpf.RetConstant{Val: 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got[:3]); diff != "" {
		t.Errorf("check (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(prog, got[3:]); diff != "" {
		t.Errorf("program behind the check (-want +got):\n%s", diff)
	}
	if _, err := dropOutgoing(make([]bpf.RawInstruction, maxInstructions-2)); err == nil {
		t.Error("dropOutgoing made a program over the kernel's limit")
	}
}

// portRange returns the n ports from first on.
func portRange(first, n int) []uint16 {
	p := make([]uint16, n)
	for i := range p {
		p[i] = uint16(first + i)
	}
	return p
}
