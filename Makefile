# A thin front over meson + ninja; the real build lives in meson.build.
#   make            dependencies (Debian 12), configure, build: build/berth
#   make check      unit tests (plain and ASan+UBSan), smoke tests, integration,
#                   and the cgroup-v2 guest (check-v2) as its last stage
#   make check-v2   the cgroup tests again in a qemu guest with pure cgroup v2
#   make check-slow the integration tests marked slow (minutes: a real debootstrap),
#                   which `make check` leaves out
#   make check-engines  podman and containerd driving berth (tests/engines);
#                   also a stage of `make check`
#   make demo       run a container and show what isolates it
#   make bench      speed against crun, runc, LXC, bwrap (bench/results.md)
#   make install    meson install; honours PREFIX and DESTDIR
#   make clean

PREFIX ?= /usr/local
DESTDIR ?=
BUILDDIR ?= build

.PHONY: all deps build check check-v2 check-slow check-engines demo bench install clean

all: build

deps:
	@scripts/deps.sh

build:
	@scripts/build.sh $(BUILDDIR) --prefix=$(PREFIX)

check:
	@scripts/check.sh

check-v2:
	@scripts/check-v2.sh

check-engines:
	@scripts/check-engines.sh

check-slow: build
	/usr/bin/python3 -m pytest -q -p no:cacheprovider -m slow tests/integration

demo:
	@scripts/demo.sh

bench:
	@scripts/deps.sh --bench
	@bench/run.sh

install: build
	meson configure $(BUILDDIR) -Dprefix=$(PREFIX)
	DESTDIR=$(DESTDIR) meson install -C $(BUILDDIR) --no-rebuild

clean:
	rm -rf $(BUILDDIR) build-asan build-logs
