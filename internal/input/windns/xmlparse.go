package windns

import (
	"bytes"
	"errors"
	"time"
	"unicode/utf8"
)

var (
	errXMLSyntax   = errors.New("malformed xml")
	errXMLMismatch = errors.New("end tag does not match its start tag")
	errXMLUnclosed = errors.New("unclosed element")
	errNoEventID   = errors.New("no System/EventID")
)

// maxXMLDepth bounds element nesting in one event.
const maxXMLDepth = 32

// xmlParser reads one <Event> element of Windows event XML into a record.
// It is a small hand parser for the regular XML that wevtutil and
// Get-WinEvent write: elements, attributes in single or double quotes,
// the five named entities and character references; comments, processing
// instructions and CDATA sections are accepted too. Text and attribute
// values are decoded into val, which is sized to the element so that it
// never moves while the record's slices point into it.
type xmlParser struct {
	b     []byte
	i     int
	val   []byte
	stack [maxXMLDepth][]byte
	depth int
	// dataField is the field named by the <Data> element just opened.
	dataField field
}

// parse reads elem into r.
func (p *xmlParser) parse(elem []byte, r *record) error {
	r.reset()
	p.b, p.i, p.depth = elem, 0, 0
	if cap(p.val) < len(elem) {
		p.val = make([]byte, 0, len(elem))
	}
	p.val = p.val[:0]
	st := xmlState{target: fNone, start: -1}
	for p.i < len(p.b) {
		var err error
		if p.b[p.i] == '<' {
			err = p.markup(r, &st)
		} else {
			err = p.chars(&st)
		}
		if err != nil {
			return err
		}
	}
	if p.depth != 0 {
		return errXMLUnclosed
	}
	if r.eventID < 0 {
		return errNoEventID
	}
	return nil
}

// xmlState is what parse remembers between tags: the System child or
// EventData field whose text is being collected, from start in val.
type xmlState struct {
	system []byte
	target field
	start  int
}

// chars reads character data up to the next tag, keeping it when a value
// is being collected.
func (p *xmlParser) chars(st *xmlState) error {
	j := bytes.IndexByte(p.b[p.i:], '<')
	if j < 0 {
		j = len(p.b) - p.i
	}
	var err error
	if st.start >= 0 {
		err = p.text(p.b[p.i : p.i+j])
	}
	p.i += j
	return err
}

// markup reads the tag, comment, CDATA section or declaration at p.i.
func (p *xmlParser) markup(r *record, st *xmlState) error {
	rest := p.b[p.i:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		if !p.skipPast("-->") {
			return errXMLSyntax
		}
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		end := bytes.Index(rest, []byte("]]>"))
		if end < 0 {
			return errXMLSyntax
		}
		if st.start >= 0 {
			p.val = append(p.val, rest[9:end]...)
		}
		p.i += end + 3
	case bytes.HasPrefix(rest, []byte("<?")), bytes.HasPrefix(rest, []byte("<!")):
		if !p.skipPast(">") {
			return errXMLSyntax
		}
	case bytes.HasPrefix(rest, []byte("</")):
		if p.depth == 3 && st.start >= 0 {
			p.set(r, st.system, st.target, p.val[st.start:len(p.val):len(p.val)])
		}
		st.start, st.target = -1, fNone
		return p.endTag()
	default:
		return p.element(r, st)
	}
	return nil
}

// element reads a start tag and says whether its text is to be collected:
// the children of System and the <Data> elements of EventData.
func (p *xmlParser) element(r *record, st *xmlState) error {
	name, selfClosing, err := p.startTag(r)
	if err != nil {
		return err
	}
	st.start, st.target = -1, fNone
	switch {
	case selfClosing:
		p.depth--
	case p.depth == 3 && string(p.stack[1]) == "System":
		st.system, st.start = name, len(p.val)
	case p.depth == 3 && string(p.stack[1]) == "EventData" && string(name) == "Data":
		st.system, st.target, st.start = nil, p.dataField, len(p.val)
	}
	return nil
}

// startTag reads `<name attr='v' ...>` or `<name .../>` at p.i, pushes the
// element and reads the attributes the record needs.
func (p *xmlParser) startTag(r *record) (name []byte, selfClosing bool, err error) {
	p.i++
	name = p.name()
	if len(name) == 0 {
		return nil, false, errXMLSyntax
	}
	if p.depth == maxXMLDepth {
		return nil, false, errXMLSyntax
	}
	p.stack[p.depth] = name
	p.depth++
	p.dataField = fNone
	for {
		p.ws()
		if p.i >= len(p.b) {
			return nil, false, errXMLSyntax
		}
		switch p.b[p.i] {
		case '>':
			p.i++
			return name, false, nil
		case '/':
			if p.i+1 >= len(p.b) || p.b[p.i+1] != '>' {
				return nil, false, errXMLSyntax
			}
			p.i += 2
			return name, true, nil
		}
		attr := p.name()
		p.ws()
		if len(attr) == 0 || p.i >= len(p.b) || p.b[p.i] != '=' {
			return nil, false, errXMLSyntax
		}
		p.i++
		p.ws()
		v, err := p.attrValue()
		if err != nil {
			return nil, false, err
		}
		p.attr(r, name, attr, v)
	}
}

// attr records the attributes the mapping reads: the provider's name, the
// creation time and the name of an EventData <Data> element.
func (p *xmlParser) attr(r *record, elem, attr, v []byte) {
	switch {
	case p.depth == 3 && string(p.stack[1]) == "System" && string(elem) == "Provider" && string(attr) == "Name":
		r.provider = v
	case p.depth == 3 && string(p.stack[1]) == "System" && string(elem) == "TimeCreated" && string(attr) == "SystemTime":
		if t, err := time.Parse(time.RFC3339Nano, view(v)); err == nil {
			r.created = t.UTC()
		}
	case p.depth == 3 && string(p.stack[1]) == "EventData" && string(elem) == "Data" && string(attr) == "Name":
		if f, ok := fieldByName(v); ok {
			p.dataField = f
		}
	}
}

// endTag reads `</name>` and pops the element.
func (p *xmlParser) endTag() error {
	p.i += 2
	name := p.name()
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '>' || p.depth == 0 {
		return errXMLSyntax
	}
	p.i++
	if !bytes.Equal(name, p.stack[p.depth-1]) {
		return errXMLMismatch
	}
	p.depth--
	return nil
}

// name reads an element or attribute name and returns its local part.
func (p *xmlParser) name() []byte {
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '>' || c == '/' || c == '=' || c == '<' {
			break
		}
		p.i++
	}
	n := p.b[start:p.i]
	if k := bytes.LastIndexByte(n, ':'); k >= 0 {
		n = n[k+1:]
	}
	return n
}

func (p *xmlParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
		p.i++
	}
}

// skipPast moves past the next end.
func (p *xmlParser) skipPast(end string) bool {
	j := bytes.Index(p.b[p.i:], []byte(end))
	if j < 0 {
		return false
	}
	p.i += j + len(end)
	return true
}

// attrValue reads a quoted attribute value, decoded, into val.
func (p *xmlParser) attrValue() ([]byte, error) {
	q := p.b[p.i]
	if q != '"' && q != '\'' {
		return nil, errXMLSyntax
	}
	end := bytes.IndexByte(p.b[p.i+1:], q)
	if end < 0 {
		return nil, errXMLSyntax
	}
	raw := p.b[p.i+1 : p.i+1+end]
	p.i += end + 2
	start := len(p.val)
	if err := p.text(raw); err != nil {
		return nil, err
	}
	return p.val[start:len(p.val):len(p.val)], nil
}

// text appends character data with its entities decoded to val.
func (p *xmlParser) text(b []byte) error {
	for len(b) > 0 {
		amp := bytes.IndexByte(b, '&')
		if amp < 0 {
			p.val = append(p.val, b...)
			return nil
		}
		p.val = append(p.val, b[:amp]...)
		semi := bytes.IndexByte(b[amp:], ';')
		if semi < 0 || semi > 12 {
			return errXMLSyntax
		}
		if err := p.entity(b[amp+1 : amp+semi]); err != nil {
			return err
		}
		b = b[amp+semi+1:]
	}
	return nil
}

// entity appends the character an entity or character reference stands
// for.
func (p *xmlParser) entity(e []byte) error {
	switch string(e) {
	case "lt":
		p.val = append(p.val, '<')
	case "gt":
		p.val = append(p.val, '>')
	case "amp":
		p.val = append(p.val, '&')
	case "quot":
		p.val = append(p.val, '"')
	case "apos":
		p.val = append(p.val, '\'')
	default:
		if len(e) < 2 || e[0] != '#' {
			return errXMLSyntax
		}
		var n uint64
		var ok bool
		if e[1] == 'x' || e[1] == 'X' {
			n, ok = atoh(e[2:])
		} else {
			n, ok = atou(e[1:])
		}
		if !ok || n > utf8.MaxRune {
			return errXMLSyntax
		}
		p.val = utf8.AppendRune(p.val, rune(n))
	}
	return nil
}

// set records one System child or EventData value.
func (p *xmlParser) set(r *record, system []byte, f field, v []byte) {
	switch string(system) {
	case "":
		r.set(f, v)
	case "EventID":
		if n, ok := atou(bytes.TrimSpace(v)); ok && n < 1<<16 {
			r.eventID = int(n)
		}
	case "Channel":
		r.channel = v
	}
}
