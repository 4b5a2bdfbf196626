"""The knowledge base: categories, articles in Italian and English, their versions.

One knowledge base serves the public help center, the bot and the agents' suggestions, so
an article carries what each of them needs: sanitised HTML for pages, plain text for
snippets and readability, pre-stemmed text for full-text search (ADR 0001) and sentence
vectors for semantic search. Only :mod:`sportello.knowledge.actions` writes these rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Timestamped, WorkspaceScoped


class Language(models.TextChoices):
    ITALIAN = "it", "Italiano"
    ENGLISH = "en", "English"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Category(WorkspaceScoped, Timestamped):
    """A shelf of the help center ("Spedizioni", "Resi e rimborsi"), in the order shown."""

    name = models.CharField(_("name"), max_length=200)
    # The name English readers see; empty: ``name`` for them too.
    name_en = models.CharField(_("English name"), max_length=200, blank=True, default="")
    slug = models.SlugField(_("slug"), max_length=80)
    description = models.TextField(_("description"), blank=True, default="")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="kb_category_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        """The name in ``language`` (English when given one, else the main name)."""
        return self.name_en if language == "en" and self.name_en else self.name


class Tag(WorkspaceScoped):
    name = models.CharField(max_length=60)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="kb_tag_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TranslationGroup(WorkspaceScoped):
    """One article as the customer thinks of it, in every language it is written in: the
    help center links the versions, and search answers with the one in the reader's
    language. At most one article per language (a constraint on Article)."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("translation group")
        verbose_name_plural = _("translation groups")


class Article(WorkspaceScoped, Timestamped):
    """An answer the business has written once, for customers (published) or only for its
    agents (``internal``). ``version`` counts the changes; each is kept in ArticleVersion."""

    group = models.ForeignKey(
        TranslationGroup,
        on_delete=models.PROTECT,
        related_name="articles",
        verbose_name=_("translation group"),
    )
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="articles",
        verbose_name=_("category"),
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, default="", allow_unicode=False)
    body = models.TextField(_("text"), help_text=_("sanitised HTML"))
    body_text = models.TextField(
        _("plain text"), default="", help_text=_("the body as a person reads it")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    internal = models.BooleanField(_("internal"), default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related articles")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Full-text search: title and body stemmed in the article's language (ADR 0001);
    # indexed by FTS5 / a tsvector (migration 0002), never loaded with the article.
    search_title = models.TextField(_("search title"), default="")
    search_body = models.TextField(_("search text"), default="")
    # Semantic search (jobs.embed_article): float32 rows, one per passage, and the passages.
    embedding = models.BinaryField(_("embedding"), null=True, blank=True)
    passages = models.JSONField(_("passages"), default=list, blank=True)
    embedded_version = models.PositiveIntegerField(_("embedded version"), default=0)
    # Help-center readers, counted in batches (``knowledge.readership``), not per view.
    view_count = models.PositiveIntegerField(_("views"), default=0)
    last_viewed_at = models.DateTimeField(_("last viewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "language"], name="kb_one_article_per_language"
            )
        ]
        indexes = [models.Index(fields=["workspace", "status", "language"])]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(WorkspaceScoped):
    """What an article said after each change, who changed it and when: the history an
    editor reads, and what a wrong answer can be traced back to."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices)
    internal = models.BooleanField(default=False)
    changed_fields = models.JSONField(default=list)
    changed_by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")
        ]


class ArticleVote(WorkspaceScoped):
    """A reader's answer to "did this help?": which articles fail their readers is what
    the content report shows first."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    helpful = models.BooleanField()
    language = models.CharField(max_length=8, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        indexes = [models.Index(fields=["article", "helpful"])]


class UnansweredQuestion(WorkspaceScoped):
    """A customer's question the bot handed over because no article answered it well
    enough: grouped by topic, they are the articles to write next (the content report)."""

    question = models.TextField()
    language = models.CharField(max_length=8, default="")
    confidence = models.FloatField(default=0.0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("unanswered question")
        verbose_name_plural = _("unanswered questions")
        indexes = [models.Index(fields=["workspace", "created_at"])]
