package defender

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const miniHeader = "Timestamp,DeviceName,ActionType,RemoteIP,RemotePort,LocalIP,LocalPort,Protocol,InitiatingProcessFileName,InitiatingProcessCommandLine\r\n"

func miniRow(port string) string {
	return "2024-05-01T10:00:00Z,ws-1,ConnectionSuccess,203.0.113.53," + port + ",10.0.0.1,5000,Udp,malware.exe,malware.exe\r\n"
}

// TestBadInput checks that a bad row is a RecordError naming the file and
// line, and that the rows after it are decoded.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name      string
		json      bool
		in        string
		wantPorts []uint16
		wantErrs  []string
		wantLines []int64
	}{
		{
			name:      "csv missing column",
			in:        miniHeader + miniRow("53") + "2024-05-01T10:00:00Z,ws-1,ConnectionSuccess,203.0.113.53,54\r\n" + miniRow("55"),
			wantPorts: []uint16{53, 55},
			wantErrs:  []string{"x.csv:3: bad field count: 5 fields, header has 10"},
			wantLines: []int64{3},
		},
		{
			name:      "csv quoted newline",
			in:        miniHeader + "2024-05-01T10:00:00Z,ws-1,ConnectionSuccess,203.0.113.53,53,10.0.0.1,5000,Udp,malware.exe,\"malware.exe\r\n--line2\"\r\n" + miniRow("55") + miniRow("x"),
			wantPorts: []uint16{53, 55},
			wantErrs:  []string{`x.csv:5: bad port: column RemotePort: "x"`},
			wantLines: []int64{5},
		},
		{
			name:      "csv bare quote",
			in:        miniHeader + "2024-05-01T10:00:00Z,ws\"1,x\r\n" + miniRow("55"),
			wantPorts: []uint16{55},
			wantErrs:  []string{`x.csv:2: bad csv: parse error on line 2, column 24: bare " in non-quoted-field`},
			wantLines: []int64{2},
		},
		{
			name:      "csv bad timestamp and address",
			in:        miniHeader + "yesterday" + miniRow("53")[20:] + "2024-05-01T10:00:00Z,ws-1,ConnectionSuccess,203.0.113.999,53,10.0.0.1,5000,Udp,a,b\r\n" + miniRow("55"),
			wantPorts: []uint16{55},
			wantErrs:  []string{`x.csv:2: bad timestamp: column Timestamp: "yesterday"`, `x.csv:3: bad address: column RemoteIP: "203.0.113.999"`},
			wantLines: []int64{2, 3},
		},
		{
			name: "json array with garbage element",
			json: true,
			in: "[\n" + `{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":53,"Protocol":"Udp"},` + "\n" +
				`garbage,` + "\n" +
				`{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":54,"Protocol":"Udp" "x":1},` + "\n" +
				`{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":55,"Protocol":"Udp"}` + "\n]\n",
			wantPorts: []uint16{53, 55},
			wantErrs:  []string{"x.csv:3: bad json: not a JSON object", "x.csv:4: bad json: not a valid JSON object"},
			wantLines: []int64{3, 4},
		},
		{
			name: "json lines with truncated line",
			json: true,
			in: `{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":53,"Protocol":"Udp"}` + "\n" +
				`{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","Remo` + "\n" +
				`{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":55,"Protocol":"Udp"}` + "\n",
			wantPorts: []uint16{53, 55},
			wantErrs:  []string{"x.csv:2: bad json: input ends inside a row object"},
			wantLines: []int64{2},
		},
		{
			name:      "json array cut short",
			json:      true,
			in:        `[{"Timestamp":"2024-05-01T10:00:00Z","RemoteIP":"203.0.113.53","RemotePort":53,"Protocol":"Udp"},`,
			wantPorts: []uint16{53},
			wantErrs:  []string{"x.csv:1: bad json: input ends inside a row object"},
			wantLines: []int64{1},
		},
		{
			name:      "dns row with bad additional fields",
			json:      true,
			in:        `{"Timestamp":"2024-05-01T10:00:00Z","ActionType":"DnsQueryResponse","AdditionalFields":"{\"DnsQueryString\":"}` + "\n",
			wantErrs:  []string{`x.csv:1: bad additional fields: column AdditionalFields: "{\"DnsQueryString\":"`},
			wantLines: []int64{1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got result
			if tc.json {
				got = decodeJSON(t, "x.csv", []byte(tc.in))
			} else {
				got = decodeCSV(t, "x.csv", []byte(tc.in))
			}
			var ports []uint16
			for _, ev := range got.Events {
				ports = append(ports, ev.Server.Port())
			}
			if d := cmp.Diff(tc.wantPorts, ports); d != "" {
				t.Errorf("decoded ports (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantErrs, got.Errors); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantLines, got.Lines); d != "" {
				t.Errorf("error lines (-want +got):\n%s", d)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-05-01T10:00:00.1234567Z", time.Date(2024, 5, 1, 10, 0, 0, 123456700, time.UTC), true},
		{"2024-05-01T10:00:00Z", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), true},
		{"2024-05-01 10:00:00.5", time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC), true},
		{"2024-05-01T12:00:00+02:00", time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), true},
		{"2024-05-01T10:00:00.1234567891Z", time.Date(2024, 5, 1, 10, 0, 0, 123456789, time.UTC), true},
		{"5/1/2024 10:00:00.123 AM", time.Date(2024, 5, 1, 10, 0, 0, 123e6, time.UTC), true},
		{"5/1/2024, 12:00:00.000 AM", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), true},
		{"12/31/2024 12:59:59 PM", time.Date(2024, 12, 31, 12, 59, 59, 0, time.UTC), true},
		{"12/31/2024 11:59:59.9 PM", time.Date(2024, 12, 31, 23, 59, 59, 9e8, time.UTC), true},
		{"12/31/2024 23:59:59", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"13/1/2024 10:00:00 AM", time.Time{}, false},
		{"4/31/2024 10:00:00 AM", time.Time{}, false},
		{"5/1/2024 13:00:00 PM", time.Time{}, false},
		{"5/1/2024 10:00:00 XM", time.Time{}, false},
		{"2024-02-30T10:00:00Z", time.Time{}, false},
		{"2024-05-01T10:00:00.Z", time.Time{}, false},
		{"2024-05-01T10:00:00Zjunk", time.Time{}, false},
		{"2024-05-01", time.Time{}, false},
		{"", time.Time{}, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseTime(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("parseTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name      string
		head      string
		csv, json bool
	}{
		{"csv export", "Timestamp,DeviceId,DeviceName,ActionType\r\n1,2,3,4\r\n", true, false},
		{"csv quoted with bom", "\xef\xbb\xbf\"Timestamp [UTC]\",\"RegistryKey\"\n", true, false},
		{"csv without defender columns", "Timestamp,Host,Message\n", false, false},
		{"zeek tsv", "#separator \\x09\n#fields\tts\tuid\n", false, false},
		{"json array compact", `[{"Timestamp":"2024-05-01T10:00:00Z","DeviceName":"a"},{}]`, false, true},
		{"json array pretty", "[\n  {\n    \"Timestamp\": \"x\",\n    \"ActionType\": \"y\"\n  }\n]", false, true},
		{"json lines", `{"Timestamp":"x","RemoteIP":"y"}` + "\n" + `{"other":1}`, false, true},
		{"json lines key on second line only", `{"Timestamp":"x"}` + "\n" + `{"RemoteIP":"y"}`, false, false},
		{"zeek json", `{"ts":1,"uid":"C1","id.orig_h":"1.2.3.4"}`, false, false},
		{"empty", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SniffCSV([]byte(tc.head)); got != tc.csv {
				t.Errorf("SniffCSV = %v, want %v", got, tc.csv)
			}
			if got := SniffJSON([]byte(tc.head)); got != tc.json {
				t.Errorf("SniffJSON = %v, want %v", got, tc.json)
			}
		})
	}
}
