package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/pizauth-go/pizauth/internal/ctl"
	"github.com/pizauth-go/pizauth/internal/getopt"
	"github.com/pizauth-go/pizauth/internal/paths"
	"github.com/pizauth-go/pizauth/internal/version"
)

// infoFormatVersion is the version of `info -j`'s format.
const infoFormatVersion = 2

// infoJSON is the output of `info -j`.
type infoJSON struct {
	CacheDirectory    string          `json:"cache_directory"`
	ConfigFile        string          `json:"config_file"`
	ExecutedAs        string          `json:"executed_as"`
	InfoFormatVersion int             `json:"info_format_version"`
	PizauthVersion    string          `json:"pizauth_version"`
	ServerRunning     bool            `json:"server_running"`
	ServerInfo        *ctl.ServerInfo `json:"server_info,omitempty"`
}

func cmdInfo(p getopt.Args) error {
	in := infoJSON{InfoFormatVersion: infoFormatVersion, PizauthVersion: version.String()}
	in.CacheDirectory, _ = paths.RuntimeDir(os.Getenv)
	in.ConfigFile, _ = paths.ConfigFile("", os.Getenv)
	in.ExecutedAs, _ = os.Executable()
	if srv, err := serverInfo(in.CacheDirectory); err == nil {
		in.ServerRunning, in.ServerInfo = true, srv
		// A running server may read another file (-c) than the default.
		if srv.ConfigFile != "" {
			in.ConfigFile, srv.ConfigFile = srv.ConfigFile, ""
		}
	}
	if p.Count["j"] > 0 {
		b, err := json.MarshalIndent(in, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Printf("%s\n", b)
		return err
	}
	printInfo(in)
	return nil
}

func serverInfo(dir string) (*ctl.ServerInfo, error) {
	c := &ctl.Client{Socket: dir + "/" + paths.SocketName}
	resp, err := c.Info()
	if err != nil {
		return nil, err
	}
	if resp.Kind != ctl.KindOK {
		return nil, fmt.Errorf("%s", resp.Payload)
	}
	var in ctl.ServerInfo
	if err := json.Unmarshal([]byte(resp.Payload), &in); err != nil {
		return nil, fmt.Errorf("decoding the server's answer: %w", err)
	}
	return &in, nil
}

func printInfo(in infoJSON) {
	fmt.Printf("pizauth version %s:\n", in.PizauthVersion)
	fmt.Printf("  cache directory: %s\n", in.CacheDirectory)
	fmt.Printf("  config file: %s\n", in.ConfigFile)
	if in.ServerInfo == nil {
		fmt.Println("  server running: no")
		return
	}
	fmt.Println("  server running: yes")
	fmt.Printf("    HTTP port: %s\n", in.ServerInfo.HTTPPort)
	fmt.Printf("    HTTPS port: %s\n", in.ServerInfo.HTTPSPort)
	fmt.Printf("    HTTPS public key: %s\n", in.ServerInfo.HTTPSPubKey)
}
