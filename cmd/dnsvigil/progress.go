package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dnsvigil/dnsvigil/internal/pipeline"
)

// progressMinBytes is the input size below which "auto" shows no bar.
const progressMinBytes = 64 << 20

// progress is a byte-count progress bar over all input files.
type progress struct {
	bar *progressbar.ProgressBar
}

// newProgress returns a bar, or nil when none should be shown: mode "never",
// or "auto" when stderr is not a terminal or the input is small or of unknown
// size (standard input).
func newProgress(mode string, w io.Writer, paths []pipeline.Path) *progress {
	if mode == "never" {
		return nil
	}
	var total int64
	for _, p := range paths {
		if p.Name == "-" {
			total = -1
			break
		}
		if st, err := os.Stat(p.Name); err == nil {
			total += st.Size()
		}
	}
	if mode == "auto" {
		f, ok := w.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) || total < progressMinBytes {
			return nil
		}
	}
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionThrottle(200e6),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetPredictTime(true),
	)
	return &progress{bar: bar}
}

// wrap counts the bytes read through r.
func (p *progress) wrap(r io.Reader) io.Reader {
	return &countingReader{r: r, bar: p.bar}
}

func (p *progress) finish() {
	if p != nil {
		_ = p.bar.Finish()
	}
}

type countingReader struct {
	r   io.Reader
	bar *progressbar.ProgressBar
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		_ = c.bar.Add(n)
	}
	return n, err
}
