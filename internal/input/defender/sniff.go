package defender

import (
	"bytes"
	"strings"
)

// SniffCSV reports whether head, the first bytes of an input, starts with
// the header line of an Advanced Hunting CSV export: comma-separated names
// (quoted or not) that include Timestamp and at least one Defender column
// (DeviceName, DeviceId, ActionType, RemoteIP, RegistryKey,
// InitiatingProcessFileName, ProcessCommandLine).
func SniffCSV(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	line, _, _ := bytes.Cut(head, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) == 0 || line[0] == '{' || line[0] == '[' || line[0] == '#' {
		return false
	}
	ts, dev := false, false
	for name := range strings.SplitSeq(string(line), ",") {
		name = strings.Trim(strings.TrimSpace(name), `"`)
		ts = ts || colByName(name) == cTimestamp
		dev = dev || isDefenderColumn(name)
	}
	return ts && dev
}

// SniffJSON reports whether head starts a JSON array of objects or a JSON
// object whose first member keys include "Timestamp" and a Defender column.
// Only the start of the first object is read; a first object longer than
// head is judged on the keys head holds.
func SniffJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) > 0 && head[0] == '[' {
		head = bytes.TrimLeft(head[1:], " \t\r\n")
	}
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	// Keys of the first object only when it is compact on its first line
	// (JSON lines, a one-line array); a pretty-printed object has its
	// members on later lines.
	if line, _, ok := bytes.Cut(head, []byte{'\n'}); ok && bytes.Contains(line, []byte(`":`)) {
		head = line
	}
	ts := bytes.Contains(head, []byte(`"Timestamp"`))
	dev := false
	for _, k := range []string{`"DeviceName"`, `"DeviceId"`, `"ActionType"`, `"RemoteIP"`, `"RegistryKey"`, `"InitiatingProcessFileName"`, `"ProcessCommandLine"`} {
		dev = dev || bytes.Contains(head, []byte(k))
	}
	return ts && dev
}
