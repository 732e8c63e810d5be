"""The whole schema, importable from one place (Alembic reads Base.metadata from here)."""

from forum.models.base import Base
from forum.models.community import (
    STAFF_ROLES,
    ApiToken,
    Organisation,
    Profile,
    Question,
    QuestionStatus,
    QuestionTopic,
    QuestionVote,
    Reply,
    ReplyVote,
    Role,
    SpamReport,
    Subscription,
    Team,
    Topic,
    TopicGroup,
)
from forum.models.embeddings import EmbeddingModel, EmbeddingModelStatus, QuestionEmbedding
from forum.models.jobs import Job

__all__ = [
    "STAFF_ROLES",
    "ApiToken",
    "Base",
    "EmbeddingModel",
    "EmbeddingModelStatus",
    "Job",
    "Organisation",
    "Profile",
    "Question",
    "QuestionStatus",
    "QuestionEmbedding",
    "QuestionTopic",
    "QuestionVote",
    "Reply",
    "ReplyVote",
    "Role",
    "SpamReport",
    "Subscription",
    "Team",
    "Topic",
    "TopicGroup",
]
