package escape

import "testing"

var sinkString string

func BenchmarkTerminal(b *testing.B) {
	cases := []struct{ name, in string }{
		{"clean", "c2VjcmV0LWRhdGEtZXhmaWx0cmF0ZWQ.t1.tunnel.example.com"},
		{"hostile", "evil\x1b[2J\u202eexample\r\n\xff.com"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				sinkString = Terminal(c.in)
			}
		})
	}
}

func BenchmarkName(b *testing.B) {
	in := `c2VjcmV0LWRhdGEtZXhmaWx0cmF0ZWQ.t1.tun\.nel\000.example.com`
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		sinkString = Name(in)
	}
}

func BenchmarkAppendJSONSafe(b *testing.B) {
	line := []byte(`{"@timestamp":"2026-01-02T03:04:05.123456789Z","message":"412 distinct names under tunnel.example in 5m","dns":{"question":{"name":"c2VjcmV0.t1.tunnel.example.com"}},"host":{"name":"wks-bücher-01"}}`)
	buf := make([]byte, 0, 2*len(line))
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		buf = AppendJSONSafe(buf[:0], line)
	}
}
