package components

import (
	"fmt"

	"github.com/dnsvigil/dnsvigil/internal/detect"
)

// Reload hands the detectors of a running pipeline the configuration next
// was built from, keeping their state. It pairs old and next's detectors by
// Name and calls each old detector's Reload (detect.Reloader) with its new
// counterpart. It must run on the goroutine that drives the detectors, as
// Observe and Advance do.
//
// kept is the list to run from then on: the old detectors, each with the
// new configuration or, where it refused or cannot reload, its old one,
// then any detector new in next. An old detector next has no counterpart
// for (one not built from the configuration, such as the store's recorder)
// stays as it is. notes say in words what happened to each detector. err is
// set, and nothing changed, when a name appears twice in old or in next.
func Reload(old []detect.Detector, next Built) (kept []detect.Detector, notes []string, err error) {
	byName, err := indexByName(next.Detectors)
	if err != nil {
		return nil, nil, fmt.Errorf("reload: new detectors: %w", err)
	}
	if _, err := indexByName(old); err != nil {
		return nil, nil, fmt.Errorf("reload: running detectors: %w", err)
	}
	kept = make([]detect.Detector, 0, len(old)+len(next.Detectors))
	for _, d := range old {
		kept = append(kept, d)
		n, ok := byName[d.Name()]
		delete(byName, d.Name())
		notes = append(notes, reloadOne(d, n, ok))
	}
	for _, n := range next.Detectors {
		if _, ok := byName[n.Name()]; ok {
			kept = append(kept, n)
			notes = append(notes, n.Name()+": started with the new configuration")
		}
	}
	if detect.AnyUsesRecords(kept) && !detect.AnyUsesRecords(old) {
		notes = append(notes, "detectors now read DNS records; inputs opened without them decode them after a restart")
	}
	return kept, notes, nil
}

// reloadOne reloads d with n, when there is one, and says what happened.
func reloadOne(d, n detect.Detector, found bool) string {
	name := d.Name()
	if !found {
		return name + ": kept as it was (not built from the configuration)"
	}
	r, ok := d.(detect.Reloader)
	if !ok {
		return name + ": keeps its old configuration until a restart (it cannot reload)"
	}
	if err := r.Reload(n); err != nil {
		return fmt.Sprintf("%s: keeps its old configuration until a restart: %v", name, err)
	}
	return name + ": new configuration taken, state kept"
}

// indexByName maps each detector's name to it; a name twice is an error.
func indexByName(ds []detect.Detector) (map[string]detect.Detector, error) {
	m := make(map[string]detect.Detector, len(ds))
	for _, d := range ds {
		if _, dup := m[d.Name()]; dup {
			return nil, fmt.Errorf("detector %q appears twice", d.Name())
		}
		m[d.Name()] = d
	}
	return m, nil
}
