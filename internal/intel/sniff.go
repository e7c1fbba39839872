package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownFormat is returned for content that is JSON but neither a STIX
// bundle nor a MISP export, or that is binary.
var ErrUnknownFormat = errors.New("unknown intel format")

// sniffWindow is how much of the start of a file is checked for NUL bytes.
const sniffWindow = 8 << 10

// Sniff says which format data is in: JSON with "type": "bundle" is STIX,
// JSON with "Event" or "response" (or a list of {"Event": ...}) is MISP, and
// anything else that is text is a plain list. JSON of another shape and
// binary content are ErrUnknownFormat. An empty file is an empty list.
func Sniff(data []byte) (Format, error) {
	body := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(body) == 0 {
		return FormatList, nil
	}
	switch body[0] {
	case '{':
		var top struct {
			Type     json.RawMessage `json:"type"`
			Event    json.RawMessage `json:"Event"`
			Response json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal(body, &top); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrUnknownFormat, err)
		}
		switch {
		case string(top.Type) == `"bundle"`:
			return FormatSTIX, nil
		case top.Event != nil || top.Response != nil:
			return FormatMISP, nil
		}
		return 0, ErrUnknownFormat
	case '[':
		var list []struct {
			Event json.RawMessage `json:"Event"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return 0, fmt.Errorf("%w: %v", ErrUnknownFormat, err)
		}
		if len(list) == 0 || list[0].Event != nil {
			return FormatMISP, nil
		}
		return 0, ErrUnknownFormat
	}
	if bytes.IndexByte(data[:min(len(data), sniffWindow)], 0) >= 0 {
		return 0, ErrUnknownFormat
	}
	return FormatList, nil
}
