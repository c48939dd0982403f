"""A camera-like RTSP server for tests: GStreamer's RTSP server serving a pre-encoded file, looping.

Run with Debian's ``/usr/bin/python3`` (the ``gi`` bindings are not on PyPI's Python)::

    /usr/bin/python3 rtsp_server.py --port 8554 --media clip.ts [--audio] [--codec h264|h265]

The file (MPEG-TS with H.264 or H.265 video and optionally AAC audio) is read into memory once, then
its access units are pushed into a *live* ``appsrc`` at their own pace, without re-encoding. Live
sources are what cameras are: clients join mid-stream (``set_shared(True)``), the server never seeks,
and at the end of the file the timestamps carry on from where they were, so the stream loops without a
jump. The server binds to 127.0.0.1 only, with an RTP address pool on 127.0.0.1 only, and prints
``READY <port>`` on stdout once it listens.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

CODECS = {
    "h264": ("h264parse", "rtph264pay", "video/x-h264,stream-format=byte-stream,alignment=au"),
    "h265": ("h265parse", "rtph265pay", "video/x-h265,stream-format=byte-stream,alignment=au"),
}


class Unit:
    """One access unit (a video frame or an audio frame) of the file, as it was encoded."""

    __slots__ = ("data", "duration", "kind", "pts")

    def __init__(self, kind: str, data: bytes, pts: int, duration: int) -> None:
        self.kind = kind
        self.data = data
        self.pts = pts
        self.duration = duration


def load_units(path: str, codec: str, audio: bool) -> tuple[list[Unit], dict[str, Gst.Caps], int]:
    """Demux the file once into memory; return units sorted by time, caps per kind, loop length (ns)."""
    parse, _, caps = CODECS[codec]
    desc = (
        f"filesrc location={path} ! tsdemux name=d d. ! queue ! {parse} ! {caps} ! appsink name=v sync=false"
    )
    if audio:
        desc += " d. ! queue ! aacparse ! audio/mpeg,stream-format=adts ! appsink name=a sync=false"
    pipeline = Gst.parse_launch(desc)
    sinks = {"v": pipeline.get_by_name("v")}
    if audio:
        sinks["a"] = pipeline.get_by_name("a")
    pipeline.set_state(Gst.State.PLAYING)
    units: list[Unit] = []
    caps_by_kind: dict[str, Gst.Caps] = {}
    for kind, sink in sinks.items():
        while True:
            sample = sink.emit("pull-sample")
            if sample is None:
                break
            buf = sample.get_buffer()
            caps_by_kind[kind] = sample.get_caps()
            ok, info = buf.map(Gst.MapFlags.READ)
            assert ok
            pts = buf.pts if buf.pts != Gst.CLOCK_TIME_NONE else buf.dts
            units.append(Unit(kind, bytes(info.data), pts, buf.duration))
            buf.unmap(info)
    pipeline.set_state(Gst.State.NULL)
    if not units:
        raise SystemExit(f"no media in {path}")
    first = min(u.pts for u in units)
    for u in units:
        u.pts -= first
    units.sort(key=lambda u: (u.pts, u.kind))
    video = [u for u in units if u.kind == "v"]
    frame = video[1].pts - video[0].pts if len(video) > 1 else 40_000_000
    length = video[-1].pts + frame
    return units, caps_by_kind, length


def add_mulaw_tone(units: list[Unit], length: int) -> tuple[list[Unit], Gst.Caps]:
    """A 1 kHz tone as 20 ms G.711 mu-law frames covering ``length`` ns, merged into ``units``."""
    import math
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop

    rate, step = 8000, 20_000_000
    samples = b"".join(
        int(8000 * math.sin(2 * math.pi * 1000 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(rate // 50)
    )
    chunk = audioop.lin2ulaw(samples, 2)  # 1000 Hz repeats exactly every 20 ms at 8 kHz
    audio = [Unit("a", chunk, pts, step) for pts in range(0, length, step)]
    merged = sorted(units + audio, key=lambda u: (u.pts, u.kind))
    return merged, Gst.Caps.from_string("audio/x-mulaw,rate=8000,channels=1")


class Pusher:
    """Feeds the units of one shared media into its appsrc elements in real time, looping."""

    def __init__(self, sources: dict[str, Gst.Element], units: list[Unit], length: int) -> None:
        self.sources = sources
        self.units = units
        self.length = length
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.hold_until: int | None = None

    def hold(self, burst_ns: int) -> None:
        """Hold frames back for ``burst_ns`` then send them at once: a camera flushing its GOP cache."""
        now = self.running_time()
        if now != Gst.CLOCK_TIME_NONE:
            self.hold_until = now + burst_ns

    def running_time(self) -> int:
        return int(self.sources["v"].get_current_running_time())

    def run(self) -> None:
        # Wait until the pipeline has a clock: before that there is no running time to stamp with.
        while not self.stopped.is_set() and self.running_time() == Gst.CLOCK_TIME_NONE:
            time.sleep(0.01)
        base = self.running_time() if not self.stopped.is_set() else 0
        loop = 0
        while not self.stopped.is_set():
            for unit in self.units:
                if self.stopped.is_set():
                    return
                due = base + loop * self.length + unit.pts
                now = self.running_time()
                if self.hold_until is not None:
                    if now < self.hold_until:
                        time.sleep((self.hold_until - now) / 1e9)
                        now = self.running_time()
                    self.hold_until = None
                if now - due > 1_000_000_000:
                    # Frozen (SIGSTOP) and thawed: skip ahead like a camera does, no burst of old frames.
                    base += now - due
                    due = now
                if due > now:
                    time.sleep((due - now) / 1e9)
                buf = Gst.Buffer.new_wrapped(unit.data)
                buf.pts = due
                buf.dts = due
                buf.duration = unit.duration
                if self.sources[unit.kind].emit("push-buffer", buf) != Gst.FlowReturn.OK:
                    return
            loop += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--media", required=True, help="MPEG-TS file to serve")
    parser.add_argument("--codec", choices=sorted(CODECS), default="h264")
    parser.add_argument("--audio", action="store_true", help="the file has an AAC track to serve too")
    parser.add_argument("--mount", default="/cam")
    parser.add_argument("--pcmu", action="store_true", help="add a live G.711 mu-law audio track")
    parser.add_argument(
        "--burst", type=float, default=0.0, help="on each PLAY, hold this many seconds back, then burst"
    )
    args = parser.parse_args()

    Gst.init(None)
    units, caps, length = load_units(args.media, args.codec, args.audio)
    parse, pay, _ = CODECS[args.codec]
    launch = f"( appsrc name=v is-live=true format=time ! {parse} ! {pay} name=pay0 pt=96 config-interval=-1"
    if args.audio:
        launch += " appsrc name=a is-live=true format=time ! aacparse ! rtpmp4gpay name=pay1 pt=97"
    elif args.pcmu:
        # G.711 mu-law as cheap cameras send it (MPEG-TS cannot hold it, so it is made here).
        units, caps["a"] = add_mulaw_tone(units, length)
        launch += " appsrc name=a is-live=true format=time ! rtppcmupay name=pay1 pt=0"
    launch += " )"

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    pool = GstRtspServer.RTSPAddressPool()
    pool.add_range("127.0.0.1", "127.0.0.1", 40000, 49999, 0)
    factory.set_address_pool(pool)

    def on_configure(_factory: GstRtspServer.RTSPMediaFactory, media: GstRtspServer.RTSPMedia) -> None:
        element = media.get_element()
        sources = {kind: element.get_by_name(kind) for kind in caps}
        for kind, src in sources.items():
            src.set_property("caps", caps[kind])
        pusher = Pusher(sources, units, length)
        pushers.append(pusher)
        media.connect("unprepared", lambda _m: pusher.stopped.set())
        pusher.thread.start()

    pushers: list[Pusher] = []

    def on_play(_client: GstRtspServer.RTSPClient, _ctx: GstRtspServer.RTSPContext) -> None:
        for pusher in pushers:
            if not pusher.stopped.is_set():
                pusher.hold(int(args.burst * 1e9))

    def on_client(_server: GstRtspServer.RTSPServer, client: GstRtspServer.RTSPClient) -> None:
        if args.burst > 0:
            client.connect("play-request", on_play)

    factory.connect("media-configure", on_configure)
    server.connect("client-connected", on_client)
    server.get_mount_points().add_factory(args.mount, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"READY {args.port}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
