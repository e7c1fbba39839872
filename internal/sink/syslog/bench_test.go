package syslog

import (
	"testing"

	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

func BenchmarkEncode(b *testing.B) {
	for _, form := range []string{MessageSummary, MessageJSON} {
		b.Run(form, func(b *testing.B) {
			e := encoder{facility: 16, hostname: "sensor-1", appName: "dnsvigil", procID: "4242",
				sdID: DefaultSDID, json: form == MessageJSON, max: DefaultMaxMessageBytes}
			a := sinktest.Alerts()[0]
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.encode(a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
