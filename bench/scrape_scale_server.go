// scrape_scale_server.go — the target side of bench/scrape_scale.py: one HTTP server that answers
// every GET with the same fixture pprof, so N scrape targets are N distinct paths
// (/t<i>/debug/pprof/allocs) on one port. A POST (the pyroscope exporter's push) is read and answered
// 200 with an empty body. Prints "LISTENING <addr>" once bound. Standard library only.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	file := flag.String("file", "", "pprof file served for every path")
	flag.Parse()
	body, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost { // a pyroscope exporter's push: read, discard, answer an empty PushResponse
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/proto")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	fmt.Printf("LISTENING %s\n", ln.Addr())
	http.Serve(ln, handler)
}
