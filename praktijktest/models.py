"""Imports every model module, so that the metadata (and Alembic) sees all tables."""
from praktijktest.accounts.models import LoginSession, Role, User  # noqa: F401
from praktijktest.audit.models import AuditEvent  # noqa: F401
from praktijktest.fieldwork.models import (  # noqa: F401
    Application,
    EvidenceFile,
    MysteryCall,
    Response,
    RoundFieldwork,
    Test,
)
from praktijktest.followup.contracts import TargetContract  # noqa: F401
from praktijktest.followup.letter_models import LetterTemplate, SentLetter  # noqa: F401
from praktijktest.followup.models import FollowUpCase, FollowUpStep  # noqa: F401
from praktijktest.followup.sequential import SequentialStop  # noqa: F401
from praktijktest.mailboxes.models import (  # noqa: F401
    MailCandidate,
    MailMessage,
    ProfileMailbox,
    RoundMail,
    TargetMailSender,
)
from praktijktest.organisations.models import Municipality, Organisation  # noqa: F401
from praktijktest.results.models import AnalysisSnapshot  # noqa: F401
from praktijktest.retention.models import AccountRetention, DataRequest, RetentionPeriod  # noqa: F401
from praktijktest.rounds.models import Profile, Round, RoundGround, RoundGroup, RoundTarget, Template  # noqa: F401
from praktijktest.targets.models import Listing, Target  # noqa: F401
