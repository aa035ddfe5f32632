"""The synthetic city: real divisions, a standard address register, people, houses and
organisations, and eleven departments' deliveries with documented defects and full ground truth."""

from yishu.synth.city import DEFAULT_CITY, generate

__all__ = ["DEFAULT_CITY", "generate"]
