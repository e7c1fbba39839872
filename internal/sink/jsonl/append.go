package jsonl

import (
	"encoding/json"
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/alert"
	"github.com/dnsvigil/dnsvigil/internal/sink/escape"
)

// AppendAlert appends a to dst as one JSON object, exactly the line Writer
// writes without its newline, for outputs that carry alerts in another frame
// (an HTTP body, a syslog message). The object holds no raw control, bidi or
// invisible character and no raw <, > or &. It does not keep a.
func AppendAlert(dst []byte, a *alert.Alert) ([]byte, error) {
	b, err := json.Marshal(newDocument(a))
	if err != nil {
		return dst, fmt.Errorf("encode alert %q: %w", escape.Terminal(a.Key), err)
	}
	return escape.AppendJSONSafe(dst, b), nil
}
