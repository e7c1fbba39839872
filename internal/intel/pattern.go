package intel

import (
	"errors"
	"fmt"
	"strings"
)

// comparison is one `path op 'value'` term of a STIX pattern.
type comparison struct {
	path  string
	op    string
	value string
	// quoted is false for a literal that is not a string (a number, a
	// boolean).
	quoted bool
}

// Limits on a pattern, against hostile input.
const (
	maxPatternDepth = 32
	maxComparisons  = 1024
)

// parsePattern parses a STIX 2.1 pattern that is an OR of comparisons,
// grouped by observation brackets and parentheses in any way, and returns
// the comparisons. Any other operator (AND, FOLLOWEDBY, NOT, LIKE, ...),
// any qualifier (WITHIN, REPEATS, START/STOP) and any typed literal
// (t'...', b'...', h'...') is an error: such a pattern does not reduce to a list of values.
func parsePattern(pattern string) ([]comparison, error) {
	toks, err := lexPattern(pattern)
	if err != nil {
		return nil, err
	}
	p := &patternParser{toks: toks}
	if err := p.expr(0, false); err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, p.unexpected()
	}
	if len(p.out) == 0 {
		return nil, errors.New("empty pattern")
	}
	return p.out, nil
}

// token kinds.
const (
	tokWord   = 'w' // identifier, object path, keyword
	tokString = 's' // 'quoted string', unescaped
	tokOp     = 'o' // = != < > <= >=
)

type token struct {
	kind byte // tokWord, tokString, tokOp, or the punctuation byte itself
	text string
}

func lexPattern(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[' || c == ']' || c == '(' || c == ')':
			toks = append(toks, token{kind: c, text: s[i : i+1]})
			i++
		case c == '\'':
			v, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: tokString, text: v})
			i += n
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, token{kind: tokOp, text: s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{kind: tokWord, text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
		if len(toks) > 4*maxComparisons {
			return nil, errors.New("pattern too long")
		}
	}
	return toks, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == ':' || c == '.' || c == '*'
}

// lexString reads a quoted string at the start of s, where \' and \\ are
// the only escapes, and returns its value and length.
func lexString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\'':
			return b.String(), i + 1, nil
		case '\\':
			if i+1 < len(s) && (s[i+1] == '\'' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
				continue
			}
			return "", 0, errors.New(`invalid escape in string (only \' and \\ are allowed)`)
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, errors.New("unterminated string")
}

type patternParser struct {
	toks []token
	pos  int
	out  []comparison
}

func (p *patternParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *patternParser) unexpected() error {
	t, ok := p.peek()
	if !ok {
		return errors.New("unexpected end of pattern")
	}
	if t.kind == tokWord {
		switch strings.ToUpper(t.text) {
		case "AND", "FOLLOWEDBY", "NOT", "WITHIN", "REPEATS", "START", "STOP", "LIKE", "MATCHES", "IN", "ISSUPERSET":
			return fmt.Errorf("unsupported %s in pattern", strings.ToUpper(t.text))
		}
	}
	return fmt.Errorf("unexpected %q in pattern", t.text)
}

// expr parses terms joined by OR. inside is true within an observation's
// brackets, where a term is a comparison; outside, a term is an observation.
func (p *patternParser) expr(depth int, inside bool) error {
	if depth > maxPatternDepth {
		return errors.New("pattern nested too deeply")
	}
	for {
		if err := p.term(depth, inside); err != nil {
			return err
		}
		t, ok := p.peek()
		if !ok || t.kind != tokWord || strings.ToUpper(t.text) != "OR" {
			return nil
		}
		p.pos++
	}
}

func (p *patternParser) term(depth int, inside bool) error {
	t, ok := p.peek()
	if !ok {
		return p.unexpected()
	}
	switch {
	case t.kind == '(':
		p.pos++
		if err := p.expr(depth+1, inside); err != nil {
			return err
		}
		return p.expect(')')
	case t.kind == '[' && !inside:
		p.pos++
		if err := p.expr(depth+1, true); err != nil {
			return err
		}
		return p.expect(']')
	case t.kind == tokWord && inside:
		return p.comparison()
	}
	return p.unexpected()
}

func (p *patternParser) expect(kind byte) error {
	if t, ok := p.peek(); ok && t.kind == kind {
		p.pos++
		return nil
	}
	return p.unexpected()
}

// comparison parses `path = value` or `path ISSUBSET value`.
func (p *patternParser) comparison() error {
	if p.pos+2 >= len(p.toks) {
		return fmt.Errorf("incomplete comparison at %q", p.toks[p.pos].text)
	}
	path, op, val := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	switch {
	case op.kind == tokOp && op.text == "=":
	case op.kind == tokWord && strings.ToUpper(op.text) == "ISSUBSET":
	default:
		p.pos++
		return p.unexpected()
	}
	if val.kind != tokString && val.kind != tokWord {
		p.pos += 2
		return p.unexpected()
	}
	if len(p.out) >= maxComparisons {
		return errors.New("pattern has too many comparisons")
	}
	p.out = append(p.out, comparison{path: path.text, op: strings.ToUpper(op.text), value: val.text, quoted: val.kind == tokString})
	p.pos += 3
	return nil
}
