# A thin front over meson + ninja; the real build lives in meson.build.
#   make            dependencies (Debian 12), configure, build: build/berth
#   make check      unit tests (plain and ASan+UBSan), smoke tests, integration
#   make demo       run a container and show what isolates it
#   make bench      start-up time against crun and runc
#   make install    meson install; honours PREFIX and DESTDIR
#   make clean

PREFIX ?= /usr/local
DESTDIR ?=
BUILDDIR ?= build

.PHONY: all deps build check demo bench install clean

all: build

deps:
	@scripts/deps.sh

build:
	@scripts/build.sh $(BUILDDIR) --prefix=$(PREFIX)

check:
	@scripts/check.sh

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
