package oauth

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"120", 2 * time.Minute},
		{" 30 ", 30 * time.Second},
		{"3600", time.Hour},
		{"3601", time.Hour},
		{"86400", time.Hour},
		{"9999999", time.Hour},
		{"99999999999999999999999999", time.Hour},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"12abc", 0},
		{date(90 * time.Second), 90 * time.Second},
		{date(-time.Hour), 0},
		{date(48 * time.Hour), time.Hour},
		{now.Add(time.Minute).Format(time.RFC850), time.Minute},
		{now.Add(time.Minute).Format(time.ANSIC), time.Minute},
		{"Sat, 01 Mar 2025 99:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

func TestClassifyRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header string
		want   time.Duration
	}{
		{"seconds", 429, "7", 7 * time.Second},
		{"huge", 503, "100000", time.Hour},
		{"garbage", 503, "later", 0},
		{"absent", 503, "", 0},
		{"on a permanent error", 400, "5", 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answer{status: tt.status, body: `{"error":"slow_down"}`}
			if tt.header != "" {
				a.header = http.Header{"Retry-After": {tt.header}}
			}
			e := newEndpoint(t, a)
			_, err := new(Client).Refresh(t.Context(), e.params(), "rt")
			if _, got := Classify(err); got != tt.want {
				t.Errorf("got Retry-After %v (%v); want %v", got, err, tt.want)
			}
		})
	}
}
