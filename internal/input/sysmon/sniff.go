package sysmon

import "bytes"

// evtxMagic opens every EVTX file.
const evtxMagic = "ElfFile\x00"

// eventNS is the namespace of Windows event XML.
const eventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// SniffEVTX reports whether head starts with the EVTX file magic.
func SniffEVTX(head []byte) bool {
	return bytes.HasPrefix(head, []byte(evtxMagic))
}

// SniffXML reports whether head looks like Windows event XML (an <Event>
// element, optionally inside <Events> or after an XML declaration, in the
// Windows event namespace). Any channel is accepted here; records of other
// channels are skipped by the decoder.
func SniffXML(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '<' {
		return false
	}
	return bytes.Contains(head, []byte(eventNS)) && (bytes.Contains(head, []byte("<Event ")) || bytes.Contains(head, []byte("<Event>"))) &&
		!otherWindowsDNS(head)
}

// dnsServerProvider names the Windows DNS Server's event provider, whose
// exports the windns decoder reads.
const dnsServerProvider = "Microsoft-Windows-DNSServer"

// otherWindowsDNS reports whether head holds Windows DNS Server events and
// no Sysmon event: that export belongs to the windns decoder.
func otherWindowsDNS(head []byte) bool {
	return bytes.Contains(head, []byte(dnsServerProvider)) && !bytes.Contains(head, []byte(sysmonProvider))
}

// SniffJSON reports whether head starts with a JSON object and holds a
// Windows event: the Sysmon provider named anywhere in head, or a first line
// in the Winlogbeat shape ("winlog" with "event_id") or the flat shape
// ("EventID" with "Channel").
func SniffJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	if bytes.Contains(head, []byte(sysmonProvider)) {
		return true
	}
	if otherWindowsDNS(head) {
		return false
	}
	line, _, _ := bytes.Cut(head, []byte{'\n'})
	has := func(k string) bool { return bytes.Contains(line, []byte(k)) }
	return (has(`"winlog"`) && has(`"event_id"`)) || (has(`"EventID"`) && has(`"Channel"`))
}
