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
from forum.models.docs import DocsChunk, DocsChunkEmbedding, DocsIndexState, DocsPage
from forum.models.embeddings import EmbeddingModel, EmbeddingModelStatus, QuestionEmbedding
from forum.models.gaps import DocsGap, DocsGapIssue, DocsGapMember, DocsGapRun
from forum.models.integrations import SlackTopicWebhook, WebhookEndpoint
from forum.models.jobs import Job, JobStart
from forum.models.suggestions import RelatedCache, SuggestionImpression
from forum.models.support import (
    Priority,
    Responder,
    ResponseTarget,
    Severity,
    SupportCase,
    SupportEvent,
    SupportRotation,
    Ticket,
)

__all__ = [
    "STAFF_ROLES",
    "ApiToken",
    "Base",
    "DocsChunk",
    "DocsChunkEmbedding",
    "DocsIndexState",
    "DocsGap",
    "DocsGapIssue",
    "DocsGapMember",
    "DocsGapRun",
    "DocsPage",
    "EmbeddingModel",
    "EmbeddingModelStatus",
    "Job",
    "JobStart",
    "Organisation",
    "Priority",
    "Profile",
    "Question",
    "QuestionStatus",
    "QuestionEmbedding",
    "QuestionTopic",
    "QuestionVote",
    "RelatedCache",
    "Reply",
    "ReplyVote",
    "Responder",
    "ResponseTarget",
    "Role",
    "Severity",
    "SlackTopicWebhook",
    "SpamReport",
    "Subscription",
    "SuggestionImpression",
    "SupportCase",
    "SupportEvent",
    "SupportRotation",
    "Team",
    "Ticket",
    "Topic",
    "TopicGroup",
    "WebhookEndpoint",
]
