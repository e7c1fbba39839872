package follow

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waiter blocks until the followed file may have changed: a change
// notification for a file related to it in its directory, or the poll
// interval. The notifications are drained by one goroutine, stopped by
// close.
type waiter struct {
	poll  time.Duration
	wake  chan struct{}
	timer *time.Timer
	fw    *fsnotify.Watcher
	done  chan struct{}
}

// newWaiter returns a waiter for path. When notify is set and the
// directory cannot be watched, it still polls and the error says why.
func newWaiter(path string, poll time.Duration, notify bool) (*waiter, error) {
	w := &waiter{poll: poll, wake: make(chan struct{}, 1), timer: time.NewTimer(time.Hour)}
	w.timer.Stop()
	if !notify {
		return w, nil
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return w, fmt.Errorf("watch: %w", err)
	}
	dir := filepath.Dir(path)
	if err := fw.Add(dir); err != nil {
		fw.Close()
		return w, fmt.Errorf("watch %s: %w", dir, err)
	}
	w.fw, w.done = fw, make(chan struct{})
	go w.watch(filepath.Base(path))
	return w, nil
}

// watch turns notifications about related files (and watcher errors, such
// as an overflowed queue) into a wake-up.
func (w *waiter) watch(base string) {
	defer close(w.done)
	for {
		select {
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if related(filepath.Base(ev.Name), base) {
				w.signal()
			}
		case _, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			w.signal()
		}
	}
}

func (w *waiter) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// wait blocks for at most d (and at most the poll interval) or until a
// notification comes; it returns ctx's error when ctx ends first.
func (w *waiter) wait(ctx context.Context, d time.Duration) error {
	w.timer.Reset(max(min(d, w.poll), time.Millisecond))
	defer w.timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-w.wake:
	case <-w.timer.C:
	}
	return nil
}

// close stops the notification goroutine.
func (w *waiter) close() {
	if w.fw != nil {
		w.fw.Close()
		<-w.done
	}
}
