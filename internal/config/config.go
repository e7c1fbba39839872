// Package config loads dnsvigil's YAML configuration strictly: an unknown key
// is an error that names the file and line, and validation problems found
// after decoding are reported with the line of the key they concern
// ("dnsvigil.yaml:14: detectors.volume.threshold: must be positive").
//
// The package is generic: it decodes into any struct with yaml tags and maps
// dotted key paths back to lines. The root struct lives with the components.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is one validation problem at a key path such as
// "detectors.resolver.approved[2]".
type Problem struct {
	Path string
	Msg  string
}

func (p Problem) Error() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Error is a problem located in a file.
type Error struct {
	File string
	Line int // 0 when unknown
	Path string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is a list of located problems; it is returned as one error.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Doc is a decoded document that can map key paths to lines.
type Doc struct {
	File string
	root *yaml.Node
}

var lineRE = regexp.MustCompile(`^line (\d+): (.*)$`)

// Decode decodes data (named file in messages) into out, which should
// already hold the defaults: keys absent from data keep their default value.
// Unknown keys and type mismatches are returned as Errors with lines.
// An empty document leaves out unchanged.
func Decode(file string, data []byte, out any) (*Doc, error) {
	doc := &Doc{File: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return doc, doc.yamlErrors(err)
	}
	doc.root = &root
	if len(bytes.TrimSpace(data)) == 0 || root.Kind == 0 {
		return doc, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return doc, doc.yamlErrors(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return doc, doc.yamlErrors(err)
		}
		return doc, Errors{{File: file, Line: extra.Line, Msg: "a configuration file holds one YAML document; this is a second one"}}
	}
	return doc, nil
}

// yamlErrors turns a yaml.v3 error ("yaml: unmarshal errors:\n  line 3: ...")
// into located Errors.
func (d *Doc) yamlErrors(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		es := make(Errors, 0, len(te.Errors))
		for _, m := range te.Errors {
			es = append(es, d.fromMessage(m))
		}
		return es
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return Errors{d.fromMessage(msg)}
}

func (d *Doc) fromMessage(m string) *Error {
	m = strings.TrimSpace(m)
	if sm := lineRE.FindStringSubmatch(m); sm != nil {
		n, _ := strconv.Atoi(sm[1])
		return &Error{File: d.File, Line: n, Msg: sm[2]}
	}
	return &Error{File: d.File, Msg: m}
}

// Locate turns validation problems into located Errors, or nil when there
// are none. A problem whose path is not in the document (a default value)
// gets the line of its closest present parent, or none.
func (d *Doc) Locate(problems []error) error {
	if len(problems) == 0 {
		return nil
	}
	es := make(Errors, 0, len(problems))
	for _, p := range problems {
		var pr Problem
		if !errors.As(p, &pr) {
			pr = splitProblem(p.Error())
		}
		es = append(es, &Error{File: d.File, Line: d.Line(pr.Path), Path: pr.Path, Msg: pr.Msg})
	}
	return es
}

// splitProblem separates "a.b[2]: message" into path and message.
func splitProblem(s string) Problem {
	i := strings.Index(s, ": ")
	if i <= 0 || strings.ContainsAny(s[:i], " \"") {
		return Problem{Msg: s}
	}
	return Problem{Path: s[:i], Msg: s[i+2:]}
}

// Line returns the line of the key at path ("a.b[2].c"), or of its closest
// parent present in the document, or 0.
func (d *Doc) Line(path string) int {
	if d == nil || d.root == nil || path == "" {
		return 0
	}
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, step := range splitPath(path) {
		next, l := child(n, step)
		if next == nil {
			break
		}
		n, line = next, l
	}
	return line
}

// DecodeAt decodes the value at path ("a.b[2].c") into out, which holds the
// defaults, and reports whether the path is present. Strictness (unknown
// keys) was already checked by Decode: this second pass is how a list
// element's section starts from its defaults rather than from zero values.
func (d *Doc) DecodeAt(path string, out any) (bool, error) {
	if d == nil || d.root == nil {
		return false, nil
	}
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, step := range splitPath(path) {
		if n, _ = child(n, step); n == nil {
			return false, nil
		}
	}
	if err := n.Decode(out); err != nil {
		return true, d.yamlErrors(err)
	}
	return true, nil
}

type pathStep struct {
	key   string
	index int // -1 when the step is a key
}

func splitPath(path string) []pathStep {
	var steps []pathStep
	for _, part := range strings.Split(path, ".") {
		key := part
		var idx []int
		for {
			i := strings.IndexByte(key, '[')
			if i < 0 || !strings.HasSuffix(key, "]") {
				break
			}
			rest := key[i:]
			key = key[:i]
			for _, s := range strings.Split(strings.Trim(rest, "[]"), "][") {
				n, err := strconv.Atoi(s)
				if err == nil {
					idx = append(idx, n)
				}
			}
		}
		if key != "" {
			steps = append(steps, pathStep{key: key, index: -1})
		}
		for _, n := range idx {
			steps = append(steps, pathStep{index: n})
		}
	}
	return steps
}

func child(n *yaml.Node, s pathStep) (*yaml.Node, int) {
	switch {
	case s.index >= 0 && n.Kind == yaml.SequenceNode && s.index < len(n.Content):
		c := n.Content[s.index]
		return c, c.Line
	case s.index < 0 && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == s.key {
				return n.Content[i+1], n.Content[i].Line
			}
		}
	}
	return nil, 0
}

// Problemf builds a Problem.
func Problemf(path, format string, args ...any) Problem {
	return Problem{Path: path, Msg: fmt.Sprintf(format, args...)}
}
