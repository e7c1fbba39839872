// Package state holds the bounded, event-time building blocks that detectors
// keep their memory in: a heavy-hitter counter (TopK) and a compact variant
// for many small per-key sketches (SmallTopK), a small distinct counter
// (Distinct) with the deterministic hashes it takes (HashString, HashAddr), a
// capped map with least-recently-used and time-to-live eviction (LRU), and
// tumbling windows (Tumbling).
//
// Detectors see attacker-controlled data: random subdomains, spoofed client
// addresses, floods of unique names. Every structure here therefore has a
// fixed capacity chosen at construction, never grows past it, and counts what
// it had to forget (evictions, expirations, late events) so that the loss is
// visible in the run summary instead of silent.
//
// Time is always an argument: windows and expiry follow the events' own
// timestamps, so replaying old telemetry gives the same results as seeing it
// live. Nothing here reads the wall clock, starts goroutines or locks; a value
// is owned by one detector and is not safe for concurrent use.
//
// In steady state (keys already tracked, or replacing evicted ones) no
// operation allocates: storage is preallocated or reused, and keys that hold
// borrowed memory are copied only when they are inserted, through the clone
// function given to the constructor.
//
// The package imports only the standard library.
package state
