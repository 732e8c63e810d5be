"""Accounts, topics, questions, replies and the things people do to them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.models.base import Base, created_at_column


class Role(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    SUPPORT = "support"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.MODERATOR, Role.SUPPORT, Role.ADMIN})


class QuestionStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class Organisation(Base):
    """The customer account a profile belongs to; its plan drives support priority."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(40), server_default="free")
    created_at: Mapped[datetime] = created_at_column()


class Profile(Base):
    __tablename__ = "profiles"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'moderator', 'support', 'admin')", name="role"),
        Index("uq_profiles_email_lower", func.lower(text("email")), unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(80))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    bio: Mapped[str | None] = mapped_column(String(2000))
    role: Mapped[str] = mapped_column(String(20), server_default=Role.MEMBER.value)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    reputation: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = created_at_column()

    team: Mapped[Team | None] = relationship(lazy="raise")

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


class ApiToken(Base):
    """Long-lived bearer tokens for support engineers and automation; only a hash is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TopicGroup(Base):
    __tablename__ = "topic_groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)


class Topic(Base):
    __tablename__ = "topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("topic_groups.id", ondelete="SET NULL"))


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'answered', 'resolved')", name="status"),
        CheckConstraint("char_length(subject) BETWEEN 1 AND 140", name="subject_length"),
        Index("ix_questions_search", "search_vector", postgresql_using="gin"),
        Index("ix_questions_page_slugs", "page_slugs", postgresql_using="gin"),
        # The public listings only ever show published, unarchived questions.
        Index("ix_questions_visible_created", text("created_at DESC"), postgresql_where=text("published AND NOT archived")),
        Index("ix_questions_visible_active", text("active_at DESC"), postgresql_where=text("published AND NOT archived")),
        Index("ix_questions_author", "author_id", text("created_at DESC")),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    permalink: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), server_default=QuestionStatus.OPEN.value)
    resolved_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("replies.id", ondelete="SET NULL", use_alter=True)
    )
    archived: Mapped[bool] = mapped_column(Boolean, server_default="false")
    locked: Mapped[bool] = mapped_column(Boolean, server_default="false")
    published: Mapped[bool] = mapped_column(Boolean, server_default="true")
    page_slugs: Mapped[list[str]] = mapped_column(ARRAY(String(300)), server_default="{}")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    active_at: Mapped[datetime] = created_at_column()
    reply_count: Mapped[int] = mapped_column(Integer, server_default="0")
    upvote_count: Mapped[int] = mapped_column(Integer, server_default="0")
    view_count: Mapped[int] = mapped_column(Integer, server_default="0")
    # Bumped on every edit so clients can send the version they edited and get 409 on a lost update.
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', coalesce(subject, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body, '')), 'B')",
            persisted=True,
        ),
        # Only SQL reads it (search); loading it with every question would ship the whole tsvector.
        deferred=True,
    )

    author: Mapped[Profile] = relationship(lazy="raise", foreign_keys=[author_id])


class QuestionTopic(Base):
    __tablename__ = "question_topics"
    __table_args__ = (Index("ix_question_topics_topic", "topic_id", "question_id"),)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    # Pinning is per topic: a question can be pinned in one topic and not in another.
    pinned: Mapped[bool] = mapped_column(Boolean, server_default="false")


class Reply(Base):
    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_question", "question_id", "created_at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = created_at_column()
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    upvotes: Mapped[int] = mapped_column(Integer, server_default="0")
    downvotes: Mapped[int] = mapped_column(Integer, server_default="0")
    version: Mapped[int] = mapped_column(Integer, server_default="1")


class ReplyVote(Base):
    __tablename__ = "reply_votes"
    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="value"),)
    reply_id: Mapped[int] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = created_at_column()


class QuestionVote(Base):
    __tablename__ = "question_votes"
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = created_at_column()


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (topic_id IS NULL)", name="one_target"),
        UniqueConstraint("profile_id", "question_id", name="uq_subscriptions_profile_question"),
        UniqueConstraint("profile_id", "topic_id", name="uq_subscriptions_profile_topic"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()


class SpamReport(Base):
    __tablename__ = "spam_reports"
    __table_args__ = (
        CheckConstraint("(question_id IS NULL) <> (reply_id IS NULL)", name="one_target"),
        Index("ix_spam_reports_open", "created_at", postgresql_where=text("resolved_at IS NULL")),
        # One open report per reporter and post (migration 0013): repeats return the open one.
        Index(
            "ux_spam_reports_open_question", "reporter_id", "question_id", unique=True,
            postgresql_where=text("resolved_at IS NULL AND question_id IS NOT NULL"),
        ),
        Index(
            "ux_spam_reports_open_reply", "reporter_id", "reply_id", unique=True,
            postgresql_where=text("resolved_at IS NULL AND reply_id IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id", ondelete="SET NULL"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = created_at_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
