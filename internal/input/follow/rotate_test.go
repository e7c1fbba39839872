package follow

import (
	"fmt"
	"os"
	"testing"
)

// writeRotating writes lines 0..total-1 to path one write each, rotating
// every `every` lines by rename or by copytruncate.
func writeRotating(path string, total, every int, mode string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	for i := range total {
		if _, err := f.WriteString(line(i)); err != nil {
			return err
		}
		if (i+1)%every != 0 || i+1 == total {
			continue
		}
		rotated := fmt.Sprintf("%s.%d", path, (i+1)/every)
		switch mode {
		case "rename":
			f.Close()
			if err := os.Rename(path, rotated); err != nil {
				return err
			}
			if f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
				return err
			}
		case "copytruncate":
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := os.WriteFile(rotated, b, 0o644); err != nil {
				return err
			}
			if err := f.Truncate(0); err != nil {
				return err
			}
		}
	}
	return f.Close()
}

// TestRotationUnderLoad follows 100k lines written by another goroutine
// that rotates the file every 10k lines: every line comes out once, in
// order, however the follower lags behind the writer.
func TestRotationUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("100k lines")
	}
	const total, every = 100_000, 10_000
	for _, mode := range []string{"rename", "copytruncate"} {
		t.Run(mode, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			r := start(t, cfg, nil)
			errc := make(chan error, 1)
			go func() { errc <- writeRotating(cfg.Path, total, every, mode) }()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			checkNames(t, r, names(0, total-1))
			if errs := r.out.errors(); len(errs) > 0 {
				t.Fatalf("errors: %v", errs[:min(len(errs), 5)])
			}
		})
	}
}
