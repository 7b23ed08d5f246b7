// The generated API lives in this module: Types, Client and APIProtocol.
