// Package checkpoint persists what `dnsvigil serve` needs to resume after a
// stop or a crash: each source's resume position and a ledger of the alerts
// already delivered. The file is replaced atomically (written beside it,
// synced, renamed over it, directory synced), so a kill -9 at any moment
// leaves either the previous checkpoint or the new one, never a torn file.
//
// Detector state is not in the file. Followed logs resume by replaying from
// their base (see internal/input/follow), which rebuilds the state exactly;
// the ledger keeps the replay from delivering an alert a second time.
package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Version is the file format's version.
const Version = 1

// State is the content of a checkpoint file.
type State struct {
	Version int       `json:"version"`
	Written time.Time `json:"written"`
	// Positions are the sources' resume positions by source name, as the
	// sources wrote them.
	Positions map[string]json.RawMessage `json:"positions"`
	// Delivered are the fingerprints of the alerts delivered, oldest first.
	Delivered []Fingerprint `json:"delivered"`
}

// Load reads the checkpoint at path. A missing file is an empty State and
// no error: the first start.
func Load(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{Version: Version, Positions: map[string]json.RawMessage{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if st.Version != Version {
		return nil, fmt.Errorf("checkpoint %s: version %d, this build reads %d", path, st.Version, Version)
	}
	if st.Positions == nil {
		st.Positions = map[string]json.RawMessage{}
	}
	return &st, nil
}

// Save writes st to path atomically.
func Save(path string, st *State) error {
	st.Version = Version
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("checkpoint %s: %w", path, werr)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename is durable once the directory is
		d.Close()
	}
	return nil
}
