package tunnel

import _ "embed"

// ExampleConfig is the detectors.tunnel section with every key documented and
// set to its default; `dnsvigil config default` prints it. A test checks that
// it decodes to DefaultConfig.
//
//go:embed example.yaml
var ExampleConfig string
