package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type testDet struct {
	Threshold int           `yaml:"threshold"`
	Window    time.Duration `yaml:"window"`
	Approved  []string      `yaml:"approved"`
}

type testRoot struct {
	Detectors struct {
		Volume testDet `yaml:"volume"`
	} `yaml:"detectors"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string // substring; empty means success
		check   func(t *testing.T, r testRoot)
	}{
		{name: "empty keeps defaults", yaml: "", check: func(t *testing.T, r testRoot) {
			if r.Detectors.Volume.Threshold != 200 {
				t.Errorf("threshold = %d, want default 200", r.Detectors.Volume.Threshold)
			}
		}},
		{name: "override", yaml: "detectors:\n  volume:\n    threshold: 50\n    window: 1m\n", check: func(t *testing.T, r testRoot) {
			if r.Detectors.Volume.Threshold != 50 || r.Detectors.Volume.Window != time.Minute {
				t.Errorf("got %+v", r.Detectors.Volume)
			}
		}},
		{name: "unknown key names line", yaml: "detectors:\n  volume:\n    treshold: 50\n", wantErr: "cfg.yaml:3: field treshold not found"},
		{name: "type error names line", yaml: "detectors:\n  volume:\n    threshold: lots\n", wantErr: "cfg.yaml:3:"},
		{name: "syntax error names line", yaml: "detectors:\n  volume: [\n", wantErr: "cfg.yaml:"},
		{name: "a second document is an error", yaml: "detectors:\n  volume:\n    threshold: 5\n---\ndetectors: {}\n", wantErr: "cfg.yaml:4: a configuration file holds one YAML document"},
		{name: "settings hidden after empty documents are not ignored", yaml: "---\n---\ninput:\n  bogus: 1\n", wantErr: "cfg.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r testRoot
			r.Detectors.Volume.Threshold = 200
			_, err := Decode("cfg.yaml", []byte(tc.yaml), &r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}

func TestLocate(t *testing.T) {
	src := "detectors:\n  volume:\n    threshold: -1\n    approved:\n      - 10.0.0.1\n      - 10.0.0.0/33\n"
	var r testRoot
	doc, err := Decode("cfg.yaml", []byte(src), &r)
	if err != nil {
		t.Fatal(err)
	}
	err = doc.Locate([]error{
		Problemf("detectors.volume.threshold", "must be positive"),
		errors.New(`detectors.volume.approved[1]: invalid CIDR "10.0.0.0/33"`),
		Problemf("detectors.volume.window", "must be positive"),
	})
	want := "cfg.yaml:3: detectors.volume.threshold: must be positive\n" +
		"cfg.yaml:6: detectors.volume.approved[1]: invalid CIDR \"10.0.0.0/33\"\n" +
		"cfg.yaml:2: detectors.volume.window: must be positive"
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
}
