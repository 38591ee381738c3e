// Keyway's GraphQL playground: GraphiQL against this server, the headers pane sent with every
// request (paste {"Authorization": "Bearer <token>"} there). Everything is served by Keyway.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      shouldPersistHeaders: false,
      defaultQuery: '# Log in with the mutation below, paste the token into the headers pane, then ask who you are.\n' +
        '#\n# mutation { login(username: "admin", password: "…") { token } }\n\n{\n  me {\n    username\n    role { name permissions }\n  }\n}\n',
    }),
  );
})();
