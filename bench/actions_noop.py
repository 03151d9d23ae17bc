"""A DataHub Actions action that does nothing: the reference measures the framework's own cost, not an action's."""
from datahub_actions.action.action import Action
from datahub_actions.event.event_envelope import EventEnvelope
from datahub_actions.pipeline.pipeline_context import PipelineContext


class NoopAction(Action):
    @classmethod
    def create(cls, config_dict: dict, ctx: PipelineContext) -> "Action":
        return cls()

    def act(self, event: EventEnvelope) -> None:
        return None

    def close(self) -> None:
        return None
