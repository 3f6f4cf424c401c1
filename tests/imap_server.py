"""A real IMAP server for tests: Debian's Dovecot on 127.0.0.1, with a throw-away
configuration in a temporary folder.

Nothing outside that folder is read or written: `dovecot -c <our config>` runs
in the foreground (`-F`, no systemd), with its own base_dir, state_dir, logs,
passwd-file users and maildirs, on free ports of the loopback address. A
test CA signs the server's certificate (made here with openssl), so tests can
check both that a configured CA is trusted and that an unknown one is refused.
The system's own Dovecot service, if it runs on 143/993, is never touched.
"""
from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1 / localhost signed by it: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (folder / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    extensions = folder / "server.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                          "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=praktijktest test CA",
        "-keyout", str(ca_key), "-out", str(ca))
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(csr))
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-days", "2",
        "-extfile", str(extensions), "-out", str(cert))
    return ca, cert, key


@dataclass
class Dovecot:
    # A folder of its own (the unprivileged Dovecot processes must reach it: 0755),
    # not pytest's tmp_path, whose parents are private to the user running the tests.
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="praktijktest-dovecot-")))
    host: str = "127.0.0.1"
    port: int = 0  # IMAP with STARTTLS
    tls_port: int = 0  # IMAP over TLS from the first byte
    ca_file: Path | None = None
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ca_file, cert, key = make_certificates(self.folder)
        self.port, self.tls_port = free_port(), free_port()
        # As root, Dovecot runs its unprivileged processes as the package's users
        # (dovecot, dovenull); as anyone else, as that user itself.
        if os.geteuid() == 0:
            internal, login = "dovecot", "dovenull"
        else:
            internal = login = pwd.getpwuid(os.getuid()).pw_name
        mail_owner = pwd.getpwnam(internal)
        mail = self.folder / "mail"
        mail.mkdir(exist_ok=True)
        for path in (self.folder, mail):
            os.chmod(path, 0o755)
        os.chown(mail, mail_owner.pw_uid, mail_owner.pw_gid)
        os.chmod(key, 0o644)  # the config reads it as root (or as us); the folder is ours
        # One passwd-file per user, written once: Dovecot notices a rewritten file only by its
        # modification time and size, which two quick writes of the same length do not change.
        (self.folder / "users").mkdir()
        config = self.folder / "dovecot.conf"
        config.write_text(f"""
base_dir = {self.folder}/run
state_dir = {self.folder}/state
log_path = {self.folder}/dovecot.log
instance_name = praktijktest-{self.port}
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(mail_owner.pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = {mail_owner.pw_uid}
last_valid_uid = {mail_owner.pw_uid}
mail_location = maildir:{mail}/%u
mail_uid = {mail_owner.pw_uid}
mail_gid = {mail_owner.pw_gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.folder}/users/%u
}}
userdb {{
  driver = static
  args = uid={mail_owner.pw_uid} gid={mail_owner.pw_gid} home={mail}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
""")
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self._wait_until_listening()

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot stopped: {self.process.stderr.read().decode()} {self.log()}")
            try:
                with socket.create_connection((self.host, self.tls_port), timeout=0.5), \
                        socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not listen within 20 s: {self.log()}")

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            self.process.stderr.close()
        self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def add_user(self, user: str, password: str) -> None:
        """A mailbox `user` with `password` (plain, in the test's own passwd-file)."""
        if user in self.users:
            raise ValueError(f"{user} exists already")
        self.users[user] = password
        (self.folder / "users" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n")

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file))

    def deliver(self, user: str, message: bytes, folder: str = "INBOX") -> None:
        """Put `message` into `user`'s folder with IMAP APPEND, as a mail server would deliver it."""
        with imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=self.client_context(), timeout=10) as imap:
            imap.login(user, self.users[user])
            status, detail = imap.append(folder, None, None, message)
            if status != "OK":
                raise RuntimeError(f"APPEND refused: {detail}")

    def flags(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """The flags of every message in `user`'s folder (to check that reading changed nothing)."""
        with imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=self.client_context(), timeout=10) as imap:
            imap.login(user, self.users[user])
            _status, count = imap.select(folder, readonly=True)
            if int(count[0]) == 0:
                return []
            _status, data = imap.fetch("1:*", "(FLAGS)")
            return [item for item in data if item]
