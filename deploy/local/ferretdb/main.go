// Command ferretdb runs FerretDB v1.24.2 (SQLite backend) embedded, as a local
// MongoDB wire-protocol server for mentornet development and CI.
//
// It exists because `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`
// builds a binary that panics at start (its version file is generated at release
// time); the embeddable package works. Telemetry is disabled by that package.
//
// Usage: ferretdb -listen 127.0.0.1:27017 -data-dir DIR [-log-level info]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory holding the SQLite databases")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	dir, err := filepath.Abs(*dataDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		logger.Error("data directory", "dir", *dataDir, "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		logger.Error("start", "error", err)
		os.Exit(1)
	}

	// Startup line the start script does not depend on, but humans read.
	logger.Warn("ferretdb listening", "addr", *listen, "data_dir", dir, "version", "v1.24.2")
	if err := f.Run(ctx); err != nil {
		logger.Error("run", "error", err)
		os.Exit(1)
	}
	logger.Warn("ferretdb stopped")
}
