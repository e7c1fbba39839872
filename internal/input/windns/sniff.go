package windns

import (
	"bytes"
	"errors"
	"io"

	"github.com/dnsvigil/dnsvigil/internal/event"
	"github.com/dnsvigil/dnsvigil/internal/input"
)

// provider is the ETW provider of the DNS server's audit and analytical
// events; Sysmon and the DNS client have other names.
const provider = "Microsoft-Windows-DNSServer"

// SniffDebug reports whether head, the first bytes of an input, looks like
// a DNS Server debug log: it holds the log's header ("DNS Server log file
// creation at", "Message logging key") or a line that decodes as a packet
// line in one of the date orders (a log cut from the middle of a file).
func SniffDebug(head []byte) bool {
	t := sniffText(head)
	if bytes.Contains(t, []byte("DNS Server log file creation at")) ||
		bytes.Contains(t, []byte("Message logging key (for packets")) {
		return true
	}
	if !bytes.Contains(t, []byte(" PACKET ")) {
		return false
	}
	for _, o := range [...]DateOrder{DateMDY, DateDMY} {
		if decodesOne(NewDebug(bytes.NewReader(t), input.Options{Name: "sniff"}, Config{DateOrder: o})) {
			return true
		}
	}
	return false
}

// SniffAnalyticXML reports whether head looks like Windows event XML (an
// <Event> element in the Windows event namespace) from the DNS server's
// provider.
func SniffAnalyticXML(head []byte) bool {
	t := bytes.TrimLeft(sniffText(head), " \t\r\n")
	return len(t) > 0 && t[0] == '<' && bytes.Contains(t, []byte(eventNS)) &&
		bytes.Contains(t, []byte("<Event")) && bytes.Contains(t, []byte(provider))
}

// SniffAnalyticJSON reports whether head starts with a JSON object or array
// and names the DNS server's provider (as ProviderName, SourceName,
// provider_name or in the channel name).
func SniffAnalyticJSON(head []byte) bool {
	t := bytes.TrimLeft(sniffText(head), " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') && bytes.Contains(t, []byte(`"`+provider))
}

// decodesOne reports whether d yields at least one event before an I/O
// error or the end; record errors (a line cut by the end of head) are
// skipped.
func decodesOne(d input.Decoder) bool {
	var ev event.Event
	for range 64 {
		err := d.Next(&ev)
		switch {
		case err == nil:
			return true
		case errors.Is(err, io.EOF) || !input.IsRecordError(err):
			return false
		}
	}
	return false
}
