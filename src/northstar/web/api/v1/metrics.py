"""Routes of this resource (being built)."""

from fastapi import APIRouter

router = APIRouter()
