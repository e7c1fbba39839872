package pipeline

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dnsvigil/dnsvigil/internal/input"
)

// sniffLen is how much decompressed content format detection sees.
const sniffLen = 4096

// ErrEmpty is returned for an input with no content.
var ErrEmpty = errors.New("empty input")

// Path is one input to read.
type Path struct {
	// Name is the file, or "-" for standard input.
	Name string
	// Entry, when set, is a member of the zip archive Name.
	Entry string
	// Walked says the file was found by walking a directory rather than
	// named on the command line. A walked file whose format is not
	// recognised (a Zeek notice.log beside dns.log) is skipped and counted;
	// a named one is an input error.
	Walked bool
}

// String names the input in messages: the file, or archive!member.
func (p Path) String() string {
	if p.Entry != "" {
		return p.Name + "!" + p.Entry
	}
	return p.Name
}

// Paths turns plain file names into Paths named on the command line.
func Paths(names ...string) []Path {
	out := make([]Path, len(names))
	for i, n := range names {
		out[i] = Path{Name: n}
	}
	return out
}

// Expand turns the paths given on the command line into the list of files to
// read: a directory is walked recursively (hidden files and folders skipped),
// its files taken in lexical order; "-" stands for standard input. A path that
// does not exist is an error.
func Expand(paths []string) ([]Path, error) {
	var out []Path
	stdin := false
	for _, p := range paths {
		if p == "-" {
			if stdin {
				return nil, errors.New(`standard input ("-") can be named only once`)
			}
			stdin = true
			out = append(out, Path{Name: p})
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("input %w", err)
		}
		if !info.IsDir() {
			out = append(out, expandZip(Path{Name: p})...)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != p && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", p, err)
		}
		slices.Sort(files)
		for _, f := range files {
			out = append(out, expandZip(Path{Name: f, Walked: true})...)
		}
	}
	return dedupe(out), nil
}

// dedupe drops a file (or archive member) named twice (directly, through a
// folder, or through another path to the same file), keeping its first
// mention, so its events are not counted twice.
func dedupe(paths []Path) []Path {
	type seenFile struct {
		info  os.FileInfo
		entry string
	}
	var seen []seenFile
	out := paths[:0]
next:
	for _, p := range paths {
		if p.Name != "-" {
			info, err := os.Stat(p.Name)
			if err == nil {
				for _, s := range seen {
					if s.entry == p.Entry && os.SameFile(s.info, info) {
						continue next
					}
				}
				seen = append(seen, seenFile{info, p.Entry})
			}
		}
		out = append(out, p)
	}
	return out
}

// Opened is one input ready to decode.
type Opened struct {
	Name    string
	Format  string
	Decoder input.Decoder
	// Unordered is the format's Unordered flag: its events need re-sorting.
	Unordered bool
	close     []io.Closer
	index     int // position in the run's Summary.Inputs
	closed    bool
}

// Close releases the decoder and the file.
func (o *Opened) Close() error {
	var first error
	if c, ok := o.Decoder.(input.Closer); ok {
		first = c.Close()
	}
	for i := len(o.close) - 1; i >= 0; i-- {
		if err := o.close[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Opener opens inputs and recognises their format from content. Open
// removes gzip compression and reads a zip archive's member named by the
// Path.
type Opener struct {
	Formats []input.Format
	Options input.Options
	// Wrap, when set, wraps the raw (still compressed) file reader, for
	// progress reporting.
	Wrap func(r io.Reader) io.Reader
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// Open opens the named file (or standard input for "-"), removes gzip
// compression when the content starts with the gzip magic, and hands the
// stream to the first format whose Sniff accepts its head.
func (op *Opener) Open(p Path) (*Opened, error) {
	name := p.String()
	var (
		f   io.ReadCloser
		err error
	)
	switch {
	case p.Name == "-":
		in := op.Stdin
		if in == nil {
			in = os.Stdin
		}
		f = io.NopCloser(in)
	case p.Entry != "":
		if f, err = openEntry(p.Name, p.Entry); err != nil {
			return nil, err
		}
	default:
		if f, err = os.Open(name); err != nil {
			return nil, err
		}
	}
	o := &Opened{Name: name, close: []io.Closer{f}}
	var r io.Reader = f
	if op.Wrap != nil {
		r = op.Wrap(r)
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("%s: gzip: %w", name, err)
		}
		o.close = append(o.close, zr)
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		o.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(head) == 0 {
		o.Close()
		return nil, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	for _, fm := range op.Formats {
		if !fm.Sniff(head) {
			continue
		}
		opts := op.Options
		opts.Name = name
		opts.Reference = reference(p)
		d, err := fm.Open(br, opts)
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("%s: %s: %w", name, fm.Name, err)
		}
		o.Format, o.Decoder, o.Unordered = fm.Name, d, fm.Unordered
		return o, nil
	}
	o.Close()
	names := make([]string, len(op.Formats))
	for i, fm := range op.Formats {
		names[i] = fm.Name
	}
	return nil, fmt.Errorf("%s: %w: the first %d bytes match none of: %s", name, input.ErrUnknownFormat, len(head), strings.Join(names, ", "))
}

// reference is the time a format without years in its timestamps dates its
// records against: the file's modification time, or now for standard input
// and when the file cannot be examined.
func reference(p Path) time.Time {
	if p.Name != "-" {
		if info, err := os.Stat(p.Name); err == nil {
			return info.ModTime()
		}
	}
	return time.Now()
}
