#!/usr/bin/env bash
# t_bench_cpu.sh -- the CPU a bench names (tests/bench/lib.sh, cpu_model,
# bench_cpu).  A VM's model name is often the vendor's line alone ("AMD
# EPYC"), the same for two generations whose caches differ (runs K and L
# of docs/performance.md), so the family and model numbers follow it.
# Checked on files in /proc/cpuinfo's form (CPUINFO) and on this machine.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/bench/lib.sh"

# Two processors, as the kernel lists them: only the first is named.
cat >"$T/amd" <<'CPU'
processor	: 0
vendor_id	: AuthenticAMD
cpu family	: 26
model		: 2
model name	: AMD EPYC
stepping	: 1

processor	: 1
vendor_id	: AuthenticAMD
cpu family	: 25
model		: 1
model name	: AMD EPYC 7B13
CPU
is "$(CPUINFO=$T/amd cpu_model)" "AMD EPYC (family 26 model 2)" "the first processor's name, family and model"

# The "model name" line is not read as the model number.
printf 'model name\t: Intel(R) Xeon(R) Gold 6230\ncpu family\t: 6\nmodel\t\t: 85\n' >"$T/intel"
is "$(CPUINFO=$T/intel cpu_model)" "Intel(R) Xeon(R) Gold 6230 (family 6 model 85)" "fields in any order"

# No family or model line (arm64 lists "CPU part"): the name alone, and
# no name at all is "?", never an empty field.
printf 'model name\t: Some CPU\n' >"$T/nameonly"
is "$(CPUINFO=$T/nameonly cpu_model)" "Some CPU" "a name without numbers"
printf 'processor\t: 0\nBogoMIPS\t: 50.00\nCPU part\t: 0xd0c\n' >"$T/arm"
is "$(CPUINFO=$T/arm cpu_model)" "?" "nothing to name: ?"
: >"$T/empty"
is "$(CPUINFO=$T/empty cpu_model)" "?" "an empty file: ?"

# This machine: bench_cpu's line starts with the name /proc/cpuinfo gives.
name=$(sed -n 's/^model name[^:]*: *//p' /proc/cpuinfo | head -n 1)
line=$(bench_cpu)
case $line in "cpu: ${name:-?}"*", $(nproc) cores; "*) r=0;; *) r=1;; esac
ok $r "bench_cpu: $line"
done_testing
