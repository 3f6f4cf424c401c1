import atexit
import gc
import sys

# Building the app makes ~240,000 objects that live as long as the process. Collecting
# while they are made, and walking them again in every later full collection, cost
# 0.4 s of CPU in a `flask rounds analyse` of 83,643 applications. So the collector
# waits while the app is built, and what start-up made is then frozen: kept out of
# every later collection (gc.freeze). Start-up leaves about a thousand objects of
# garbage (of 240,000), frozen with the rest.
gc.disable()
from praktijktest import create_app  # noqa: E402
from praktijktest.cli import command_without_pages  # noqa: E402

app = create_app(pages=not command_without_pages(sys.argv))
gc.freeze()
gc.enable()

# At exit, the interpreter's last garbage collections walk every object of the
# ~1,400 modules once more: half a second of CPU at the end of every `flask`
# command. Frozen objects are left to the operating system instead; atexit
# handlers and module teardown still run (connections and files are closed).
atexit.register(gc.freeze)
