package zeek

import "bytes"

// Sniff reports whether head, the first bytes of an input, looks like a Zeek
// dns.log or conn.log: a TSV header block (a #separator line, then #path dns
// or conn, or a #fields list with the columns of those logs), or a first
// JSON line with Zeek's keys ("ts", "id.orig_h" or "id_orig_h", and one of
// "uid", "query", "conn_state", ...). The file name plays no part.
func Sniff(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return false
	}
	switch head[0] {
	case '#':
		return sniffTSV(head)
	case '{':
		line, _, _ := bytes.Cut(head, []byte{'\n'})
		return sniffJSON(line)
	}
	return false
}

// sniffTSV reads the header lines at the start of head.
func sniffTSV(head []byte) bool {
	sep := []byte{'\t'}
	var path []byte
	var keys uint32
	separator := false
	for len(head) > 0 && head[0] == '#' {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if v, ok := bytes.CutPrefix(line, []byte("#separator ")); ok {
			separator = true
			if sep = appendUnescaped(nil, v); len(sep) == 0 {
				return false
			}
			continue
		}
		key, val := directive(line[1:], sep)
		switch string(key) {
		case "path":
			path = val
		case "fields":
			for _, name := range splitFields(nil, val, sep, maxColumns) {
				if id, ok := fieldByName(name); ok {
					keys |= kindBit(id)
				}
			}
		}
	}
	k := kindOf(path, keys)
	return separator && (k == logDNS || k == logConn)
}

// sniffJSON checks the first JSON line (possibly cut short) for Zeek keys.
func sniffJSON(line []byte) bool {
	has := func(key string) bool { return bytes.Contains(line, []byte(key)) }
	if !has(`"ts"`) || !(has(`"id.orig_h"`) || has(`"id_orig_h"`)) {
		return false
	}
	for _, k := range []string{`"uid"`, `"query"`, `"qtype"`, `"trans_id"`, `"conn_state"`, `"history"`, `"duration"`} {
		if has(k) {
			return true
		}
	}
	return false
}
