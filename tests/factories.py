"""Factories for the domain: one place that knows how to make a valid object."""

from __future__ import annotations

import factory

from sportello.accounts.models import Agent, Role, Team, User
from sportello.channels.models import Channel
from sportello.core.models import Workspace
from sportello.customers.models import Customer, Identity


class WorkspaceFactory(factory.django.DjangoModelFactory[Workspace]):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Negozio {n}")
    slug = factory.Sequence(lambda n: f"negozio-{n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@example.it")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", "password-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgentFactory(factory.django.DjangoModelFactory[Agent]):
    class Meta:
        model = Agent

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Agente {n}")
    role = Role.AGENT
    language = "it"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class ChannelFactory(factory.django.DjangoModelFactory[Channel]):
    class Meta:
        model = Channel

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = "api"
    name = factory.Sequence(lambda n: f"Canale {n}")
    slug = factory.Sequence(lambda n: f"canale-{n}")


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Cliente {n}")


class IdentityFactory(factory.django.DjangoModelFactory[Identity]):
    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    workspace = factory.SelfAttribute("customer.workspace")
    kind = "email"
    value = factory.Sequence(lambda n: f"cliente{n}@example.it")
