package intel

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxLine is the longest list line read; longer lines are skipped.
const maxLine = 4096

// list loads a plain list: one domain, address or CIDR per line.
func (c *collector) list(r io.Reader) error {
	br := bufio.NewReaderSize(r, maxLine)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			c.fault(n, "", "bad line", fmt.Errorf("line longer than %d bytes", maxLine))
			if err = discardLine(br); err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("read list: %w", err)
			}
			continue
		}
		if len(line) > 0 {
			c.listLine(n, line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read list: %w", err)
		}
	}
}

// discardLine reads up to and including the next newline.
func discardLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if !errors.Is(err, bufio.ErrBufferFull) {
			return err
		}
	}
}

func (c *collector) listLine(n int, raw []byte) {
	entry, comment, _ := bytes.Cut(raw, []byte{'#'})
	entry = bytes.TrimSpace(entry)
	if len(entry) == 0 {
		return
	}
	if !utf8.Valid(entry) {
		c.fault(n, "", "bad line", errors.New("not valid UTF-8"))
		return
	}
	if i := bytes.IndexAny(entry, " \t"); i >= 0 {
		c.fault(n, "", "bad line", fmt.Errorf("more than one entry: %q", entry))
		return
	}
	kind, v, err := valueOf(string(entry))
	if err != nil {
		c.fault(n, "", "bad line", err)
		return
	}
	label := strings.TrimSpace(string(comment))
	if !utf8.ValidString(label) {
		label = strings.ToValidUTF8(label, "\uFFFD")
	}
	c.add(Indicator{Kind: kind, Value: v, Source: fmt.Sprintf("%s:%d", c.name, n), Label: label, ToIDs: true})
}
