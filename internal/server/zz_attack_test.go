package server

import (
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/dump"
)

func TestZZForgedTimes(t *testing.T) {
	ext := []time.Time{time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64), time.Unix(0, 0), time.Unix(0, -1), time.Unix(0, 1)}
	for _, ob := range ext {
		for _, ex := range ext {
			for _, rx := range ext {
				synctest.Test(t, func(t *testing.T) {
					h := start(t, testConfig(testAccount("work")))
					b, err := dump.Encode([]dump.Token{{Name: "work", Digest: testAccount("work").SecurityDigest(), Access: "good", Refresh: "rt", Obtained: ob, Expiry: ex, RefreshExpiry: rx}})
					if err != nil {
						t.Fatal(err)
					}
					r := h.do(ctl.Request{Cmd: ctl.CmdRestore, Data: b})
					t.Logf("%v %v %v restore %+v", ob, ex, rx, r)
					h.do(ctl.Request{Cmd: ctl.CmdStatus})
					h.do(ctl.Request{Cmd: ctl.CmdStatusJSON})
					h.do(ctl.Request{Cmd: ctl.CmdDump})
					h.show("work")
					time.Sleep(48 * time.Hour)
					synctest.Wait()
					h.do(ctl.Request{Cmd: ctl.CmdStatus})
					h.show("work")
				})
			}
		}
	}
}
