"""What the Python detectors know about AI SDKs and frameworks, as tables: which calls build agents, which
keywords carry model ids or endpoints, which modules launch MCP servers.

Adding a framework or a keyword is one entry here; :mod:`aispm.discover.python_source` holds the logic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from msgspec import Struct

from aispm.discover.usage_values import words

# Modules that the detectors below key on, in addition to the package catalogue's import names, so that the
# prefilter and the "is this name from an AI package" test never depend on one catalogue entry.
DETECTOR_MODULES = frozenset(
    words(
        "agents agno autogen autogen_agentchat autogen_core autogen_ext crewai datasets diffusers fastmcp google.adk "
        "google.genai google.generativeai haystack huggingface_hub langchain langchain_core "
        "langchain_community langchain_mcp_adapters langgraph llama_index mcp ollama peft pydantic_ai "
        "semantic_kernel sentence_transformers smolagents strands transformers vertexai vllm"
    )
)
AI_MODULE_PREFIXES = ("langchain_", "llama_index_")
"""Integration packages come in families (``langchain_groq``, ``llama_index_llms_ollama``)."""
AWS_SDK_MODULES = frozenset({"boto3", "aioboto3", "aiobotocore", "botocore"})
AWS_AI_SERVICES = {
    "bedrock-runtime": "aws-bedrock",
    "bedrock": "aws-bedrock",
    "bedrock-agent-runtime": "aws-bedrock",
    "bedrock-agent": "aws-bedrock",
    "sagemaker-runtime": "aws-sagemaker",
}

API_VERBS = frozenset(
    {"create", "acreate", "chat", "generate", "embed", "embeddings", "completion", "acompletion", "stream"}
)
"""Module-level SDK calls that talk to the provider without a client object (``openai.ChatCompletion.create``,
``ollama.chat``)."""

MODEL_KEYWORDS = frozenset(
    words(
        "model model_id model_name modelId repo_id pretrained_model_name_or_path model_name_or_path "
        "deployment_name azure_deployment deployment_id engine llm"
    )
)
HUB_KEYWORDS = frozenset({"model", "model_id", "model_name", "repo_id", "pretrained_model_name_or_path"})
"""Keywords whose value may be a Hugging Face ``org/name`` id (other keywords need an exact catalogue match)."""
DEPLOYMENT_KEYWORDS = frozenset({"deployment_name", "azure_deployment", "deployment_id"})
DICT_MODEL_KEYS = frozenset({"model", "model_id", "modelId", "model_name", "deployment_name"})
ENDPOINT_KEYWORDS = ("base_url", "azure_endpoint", "endpoint", "api_base", "openai_api_base", "base_uri")
LLM_CLIENT_NAME = re.compile(r"chat|llm|openai|embed|model|client|inference|completion", re.I)
"""An AI-package callable that is plausibly an LLM client (``ChatLiteLLM``), unlike a web page loader."""
ENDPOINT_ATTRIBUTES = frozenset({"api_base", "base_url", "azure_endpoint"})
"""``openai.api_base = "..."`` (the v0 SDK's module-level configuration)."""
ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.getenvb"})
MODEL_NAME_HINT = re.compile(r"model|deployment|llm|engine", re.I)
"""A variable, parameter or constant whose name says it holds a model id (``DEFAULT_MODEL``)."""

# Positional argument that holds a model id, by callable name, for loaders that take one.
POSITIONAL_MODEL_ARGUMENT = {
    "from_pretrained": 0,
    "SentenceTransformer": 0,
    "CrossEncoder": 0,
    "GenerativeModel": 0,
    "init_chat_model": 0,
    "LLM": 0,
    "pipeline": 1,
}
HUB_DOWNLOADS = frozenset({"hf_hub_download", "snapshot_download", "hf_hub_url"})
SENTENCE_TRANSFORMER_CLASSES = frozenset({"SentenceTransformer", "CrossEncoder"})

BUILTIN_DATASET_LOADERS = frozenset(
    words(
        "json csv parquet text arrow pandas imagefolder audiofolder videofolder pdffolder niftifolder "
        "webdataset sql generator xml cache spark hdf5"
    )
)
"""``load_dataset("json", data_files=...)`` reads local files with a packaged builder: not a hub dataset."""


class AgentBuilder(Struct, frozen=True):
    """A call that builds an agent: the module it comes from, the framework, and where its model and name are."""

    module: str
    framework: str
    model_position: int | None = None
    name_position: int | None = None


_LANGCHAIN_FACTORIES = words(
    "create_react_agent create_tool_calling_agent create_openai_functions_agent create_openai_tools_agent "
    "create_structured_chat_agent create_json_chat_agent create_xml_agent create_agent"
)
AGENT_BUILDERS: Mapping[str, tuple[AgentBuilder, ...]] = {
    **{name: (AgentBuilder("langchain", "langchain", 0),) for name in _LANGCHAIN_FACTORIES},
    "create_react_agent": (AgentBuilder("langgraph", "langgraph", 0), AgentBuilder("langchain", "langchain", 0)),
    "initialize_agent": (AgentBuilder("langchain", "langchain", 1),),
    "AgentExecutor": (AgentBuilder("langchain", "langchain"),),
    "Agent": (
        AgentBuilder("crewai", "crewai"),
        AgentBuilder("agents", "openai-agents", None, 0),
        AgentBuilder("pydantic_ai", "pydantic-ai", 0),
        AgentBuilder("google.adk", "google-adk", None, 0),
        AgentBuilder("agno", "agno"),
        AgentBuilder("strands", "strands-agents"),
        AgentBuilder("haystack", "haystack"),
    ),
    "Crew": (AgentBuilder("crewai", "crewai"),),
    "LlmAgent": (AgentBuilder("google.adk", "google-adk", None, 0),),
    "AssistantAgent": (
        AgentBuilder("autogen_agentchat", "autogen", None, 0),
        AgentBuilder("autogen", "autogen", None, 0),
    ),
    "ConversableAgent": (AgentBuilder("autogen", "autogen", None, 0),),
    "UserProxyAgent": (
        AgentBuilder("autogen_agentchat", "autogen", None, 0),
        AgentBuilder("autogen", "autogen", None, 0),
    ),
    "CodeExecutorAgent": (AgentBuilder("autogen_agentchat", "autogen", None, 0),),
    "ReActAgent": (AgentBuilder("llama_index", "llama-index"),),
    "FunctionAgent": (AgentBuilder("llama_index", "llama-index"),),
    "FunctionCallingAgent": (AgentBuilder("llama_index", "llama-index"),),
    "CodeActAgent": (AgentBuilder("llama_index", "llama-index"),),
    "OpenAIAgent": (AgentBuilder("llama_index", "llama-index"),),
    "AgentWorkflow": (AgentBuilder("llama_index", "llama-index"),),
    "ChatCompletionAgent": (AgentBuilder("semantic_kernel", "semantic-kernel"),),
    "OpenAIAssistantAgent": (AgentBuilder("semantic_kernel", "semantic-kernel"),),
    "AzureAssistantAgent": (AgentBuilder("semantic_kernel", "semantic-kernel"),),
    "AzureAIAgent": (AgentBuilder("semantic_kernel", "semantic-kernel"),),
    "CodeAgent": (AgentBuilder("smolagents", "smolagents"),),
    "ToolCallingAgent": (AgentBuilder("smolagents", "smolagents"),),
}
AGENT_CLASS_FACTORIES = frozenset({"from_tools", "from_llm", "from_tools_or_functions", "from_defaults"})
AGENT_MODEL_KEYWORDS = ("model", "llm", "model_client", "chat_model")

MCP_CLIENT_MODULES = ("mcp", "agents", "pydantic_ai", "langchain_mcp_adapters", "fastmcp", "smolagents", "autogen_ext")
