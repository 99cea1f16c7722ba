package store

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The default DuckDB memory_limit is taken from the machine: a quarter of
// the memory this process may use (the smaller of the RAM and the control
// group's limit, so a container's limit counts), never below minMemory nor
// above maxMemory. DuckDB's own default, 80% of the RAM, lets one run take
// most of a shared workstation and ignores a container's limit; past this
// limit DuckDB spills to the output's .duckdb-tmp folder instead. The cap
// keeps a whole run of 10 million statuses under 4 GB resident (measured:
// 3.47 GB at 2.5 GiB, in the same time and with the same reports as at
// 3 GiB, which peaked at 3.95 GB; docs/performance.md); --memory-limit
// raises it on a large machine.
const (
	minMemory = 1 << 30
	maxMemory = 5 << 29 // 2.5 GiB
)

// MemoryLimit is the memory_limit a run uses when none is given, as DuckDB
// reads it ("2560MiB"), and where the figure came from.
func MemoryLimit() (limit, why string) {
	total, src := machineMemory()
	if total <= 0 {
		return fmt.Sprintf("%dMiB", maxMemory>>20), "the machine's memory is unknown: the cap"
	}
	l := total / 4
	why = fmt.Sprintf("a quarter of %s (%d MiB)", src, total>>20)
	switch {
	case l < minMemory:
		l, why = minMemory, why+", raised to the floor"
	case l > maxMemory:
		l, why = maxMemory, why+", capped"
	}
	return fmt.Sprintf("%dMiB", l>>20), why
}

// machineMemory is the smaller of the RAM (/proc/meminfo) and the memory
// limit of the process's control group (v2 or v1), in bytes; 0 if neither
// can be read.
func machineMemory() (int64, string) {
	var best int64
	var src string
	if ram := memTotal("/proc/meminfo"); ram > 0 {
		best, src = ram, "the RAM"
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if l := cgroupLimit(p); l > 0 && (best == 0 || l < best) {
			best, src = l, "the control group's memory limit"
		}
	}
	return best, src
}

// cgroupLimit reads a control group's memory limit; 0 for none ("max", or
// the huge number cgroup v1 writes for no limit).
func cgroupLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 || v >= 1<<60 {
		return 0
	}
	return v
}

// memTotal reads MemTotal from a meminfo file, in bytes.
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
