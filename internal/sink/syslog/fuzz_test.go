package syslog

import (
	"testing"
	"unicode/utf8"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
	"github.com/dnsvigil/dnsvigil/internal/sink/sinktest"
)

// FuzzEncode checks that whatever strings an alert carries, its message is
// one valid RFC 5424 message with no control byte, whose structured data
// and MSG decode to the escaped forms.
func FuzzEncode(f *testing.F) {
	for _, a := range append(sinktest.Alerts(), hostileAlert()) {
		f.Add(a.Key, a.RuleID, a.QName, a.Host, a.Summary, false)
	}
	f.Add(`a]b"c\d`, "R R", "\n", "]", "\xff\xfe", true)
	f.Fuzz(func(t *testing.T, key, rule, qname, host, summary string, json bool) {
		a := &alert.Alert{Key: key, RuleID: rule, QName: qname, Host: host, Summary: summary, Technique: host,
			Evidence: []alert.Field{{Name: host, Value: summary}}}
		e := encoder{facility: 23, hostname: "h", appName: "a", procID: "1", sdID: DefaultSDID, json: json, max: 2048}
		msg, cut, err := e.encode(a)
		if err != nil {
			t.Fatal(err)
		}
		if len(msg) > 2048 || !utf8.Valid(msg) {
			t.Fatalf("message of %d bytes, valid UTF-8 %v", len(msg), utf8.Valid(msg))
		}
		for _, c := range msg {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in %q", c, msg)
			}
		}
		m, err := parse5424(string(msg))
		if err != nil {
			t.Fatalf("%v in %q", err, msg)
		}
		if m.Params == nil { // the element was too long and left out
			return
		}
		want := map[string]string{"rule": rule, "key": key, "host": host, "technique": host}
		for name, v := range want {
			if got, ok := m.Params[name]; v != "" && (!ok || got != string(appendText(nil, v))) {
				t.Errorf("%s = %q, want %q", name, got, appendText(nil, v))
			}
		}
		if qname != "" && m.Params["qname"] != escape.Name(qname) {
			t.Errorf("qname = %q, want %q", m.Params["qname"], escape.Name(qname))
		}
		if !json && !cut && m.Msg != string(appendText(nil, summary)) {
			t.Errorf("MSG = %q, want %q", m.Msg, appendText(nil, summary))
		}
	})
}
