package syslog

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// message is one parsed RFC 5424 message.
type message struct {
	PRI                                         int
	Timestamp, Hostname, AppName, ProcID, MsgID string
	SDID                                        string
	Params                                      map[string]string // unescaped
	Msg                                         string
}

// parse5424 parses one message strictly, as a collector would: any
// deviation from the RFC 5424 grammar is an error.
func parse5424(s string) (message, error) {
	var m message
	if !strings.HasPrefix(s, "<") {
		return m, fmt.Errorf("no PRI")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 {
		return m, fmt.Errorf("bad PRI")
	}
	pri, err := strconv.Atoi(s[1:end])
	if err != nil || pri > 191 {
		return m, fmt.Errorf("bad PRI %q", s[1:end])
	}
	m.PRI = pri
	s = s[end+1:]
	if !strings.HasPrefix(s, "1 ") {
		return m, fmt.Errorf("version is not 1")
	}
	s = s[2:]
	fields := make([]string, 5)
	for i := range fields {
		j := strings.IndexByte(s, ' ')
		if j <= 0 {
			return m, fmt.Errorf("header field %d missing", i)
		}
		fields[i], s = s[:j], s[j+1:]
		for _, c := range []byte(fields[i]) {
			if c < 33 || c > 126 {
				return m, fmt.Errorf("header field %d holds %#x", i, c)
			}
		}
	}
	m.Timestamp, m.Hostname, m.AppName, m.ProcID, m.MsgID = fields[0], fields[1], fields[2], fields[3], fields[4]
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	} else {
		if s, err = m.parseSD(s); err != nil {
			return m, err
		}
	}
	switch {
	case s == "":
	case s[0] == ' ':
		m.Msg = s[1:]
	default:
		return m, fmt.Errorf("no space before MSG: %q", s)
	}
	return m, nil
}

// parseSD parses one SD-ELEMENT and returns the rest.
func (m *message) parseSD(s string) (string, error) {
	if !strings.HasPrefix(s, "[") {
		return s, fmt.Errorf("no structured data")
	}
	s = s[1:]
	i := strings.IndexAny(s, " ]")
	if i <= 0 {
		return s, fmt.Errorf("bad SD-ID")
	}
	m.SDID, s = s[:i], s[i:]
	m.Params = map[string]string{}
	for strings.HasPrefix(s, " ") {
		s = s[1:]
		eq := strings.Index(s, `="`)
		if eq <= 0 {
			return s, fmt.Errorf("bad SD-PARAM")
		}
		name := s[:eq]
		s = s[eq+2:]
		var v strings.Builder
		for {
			if s == "" {
				return s, fmt.Errorf("unterminated value of %s", name)
			}
			c := s[0]
			s = s[1:]
			if c == '\\' && s != "" && (s[0] == '"' || s[0] == '\\' || s[0] == ']') {
				v.WriteByte(s[0])
				s = s[1:]
				continue
			}
			if c == '"' {
				break
			}
			if c == ']' {
				return s, fmt.Errorf("unescaped ] in value of %s", name)
			}
			v.WriteByte(c)
		}
		if _, dup := m.Params[name]; dup {
			return s, fmt.Errorf("duplicate param %s", name)
		}
		m.Params[name] = v.String()
	}
	if !strings.HasPrefix(s, "]") {
		return s, fmt.Errorf("SD-ELEMENT not closed: %q", s)
	}
	return s[1:], nil
}

// readFrames reads octet-counted frames until r ends.
func readFrames(r io.Reader, out chan<- string) error {
	br := bufio.NewReader(r)
	for {
		lenText, err := br.ReadString(' ')
		if err != nil {
			if err == io.EOF && lenText == "" {
				return nil
			}
			return err
		}
		n, err := strconv.Atoi(strings.TrimSuffix(lenText, " "))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad frame length %q", lenText)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		out <- string(buf)
	}
}
