package server

import (
	"testing"
	"time"
)

func TestRefreshAt(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name            string
		lifetime        time.Duration
		before, atLeast time.Duration
		want            time.Duration // after t0
	}{
		{"expiry minus before", time.Hour, 90 * time.Second, 90 * time.Minute, time.Hour - 90*time.Second},
		{"at least wins for long tokens", 3 * time.Hour, 90 * time.Second, 90 * time.Minute, 90 * time.Minute},
		{"before equals lifetime: half", 90 * time.Second, 90 * time.Second, 90 * time.Minute, 45 * time.Second},
		{"before exceeds lifetime: half", time.Minute, 90 * time.Second, 90 * time.Minute, 30 * time.Second},
		{"zero before: at expiry", time.Second, 0, 90 * time.Minute, time.Second},
		{"tiny token: floor", time.Second, 90 * time.Second, 90 * time.Minute, minRefreshDelay},
		{"per-account override", 2 * time.Hour, 10 * time.Minute, 30 * time.Minute, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := refreshAt(t0, t0.Add(tt.lifetime), tt.before, tt.atLeast).Sub(t0)
			if got != tt.want {
				t.Errorf("refreshAt(lifetime %v, before %v, at least %v) = t0+%v; want t0+%v", tt.lifetime, tt.before, tt.atLeast, got, tt.want)
			}
		})
	}
}
