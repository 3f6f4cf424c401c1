import atexit
import gc

from praktijktest import create_app

app = create_app()

# At exit, the interpreter's last garbage collections walk every object of the
# ~1,400 modules once more: half a second of CPU at the end of every `flask`
# command. Frozen objects are left to the operating system instead; atexit
# handlers and module teardown still run (connections and files are closed).
atexit.register(gc.freeze)
