"""Tenancy: communes, federations and the automatic scoping of tenant data."""

from federation.tenancy import ddl, rls  # noqa: F401  (tenant keys and RLS binding: events)
from federation.tenancy.scoping import (
    UNSCOPED,
    CrossCommuneWrite,
    Scope,
    TenantMixin,
    TenantScopeError,
)

__all__ = ["UNSCOPED", "CrossCommuneWrite", "Scope", "TenantMixin", "TenantScopeError"]
